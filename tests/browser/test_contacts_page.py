"""The desk's work beside the cases, from the dashboard: a counsellor records a short contact and an outreach event
through forms generated from the API's schemas, sees them listed, and a refusal names its field in German."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Tab
from tests.browser.helpers import local_today, table_rows


@pytest.fixture(autouse=True)
def views_caught_up_afterwards(demo: Demo) -> Iterator[None]:
    """The activity report's page, tested later, compares the views' figures with the log."""
    yield
    demo.wait_for_views()


def period() -> dict[str, str]:
    today = local_today()
    return {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}


def test_a_counsellor_records_a_short_contact_and_an_outreach_event_and_sees_them_listed(tab: Tab) -> None:
    demo = tab.demo
    contacts_before = demo.all_pages("counsellor", "/contacts", **period())
    events_before = demo.all_pages("counsellor", "/outreach-events", **period())
    tab.sign_in("counsellor")
    tab.open("#/kontakte")
    page = tab.page
    today = f"{local_today():%d.%m.%Y}"

    contact = page.locator("#contact-form")
    expect(contact.get_by_label("Datum *")).to_have_value(local_today().isoformat())
    contact.get_by_label("Form des Kontakts *").select_option(label="Telefon")
    contact.get_by_label("Sprache des Kontakts *").fill("ar")
    contact.get_by_label("Thema *").select_option(label="Externenprüfung")
    contact.get_by_label("Weitergeleitet an").select_option(label="Kammer")
    contact.get_by_role("button", name="Kurzkontakt speichern").click()

    expect(page.locator("#contact-notice")).to_have_text(f"Gespeichert: Kurzkontakt am {today} (Externenprüfung).")
    demo.wait_for_views()  # the lists are views: they count the write a moment after it
    contacts = demo.all_pages("counsellor", "/contacts", **period())
    [recorded] = [entry for entry in contacts if entry["id"] not in {old["id"] for old in contacts_before}]
    assert (recorded["mode"], recorded["language"], recorded["topic"], recorded["referred_to"]) == (
        "phone",
        "ar",
        "external_exam",
        "chamber",
    )
    expect(page.locator("#contacts-table caption")).to_contain_text(f"{len(contacts)} Kurzkontakte")
    assert [today, "Telefon", "Arabisch", "Externenprüfung", "Kammer", "ayse"] in table_rows(page, "#contacts-table")
    expect(contact.get_by_label("Thema *")).to_have_value("")  # emptied for the next one

    outreach = page.locator("#outreach-form")
    outreach.get_by_label("Anlass (ohne Namen von Personen) *").fill("Infoabend im Bürgerzentrum Ehrenfeld")
    outreach.get_by_label("Art der Veranstaltung *").select_option(label="Infoveranstaltung")
    outreach.get_by_label("Teilnehmende *").fill("23")
    outreach.get_by_role("button", name="Veranstaltung speichern").click()

    expect(page.locator("#outreach-notice")).to_have_text(
        f"Gespeichert: Infoabend im Bürgerzentrum Ehrenfeld am {today} (23 Teilnehmende)."
    )
    demo.wait_for_views()
    events = demo.all_pages("counsellor", "/outreach-events", **period())
    assert len(events) == len(events_before) + 1
    expect(page.locator("#outreach-table caption")).to_contain_text(f"{len(events)} Infoveranstaltungen")
    expected_row = [today, "Infoabend im Bürgerzentrum Ehrenfeld", "Infoveranstaltung", "Deutsch", "23", "ayse"]
    assert expected_row in table_rows(page, "#outreach-table")
    tab.screenshot("kontakte", readme=True)


def test_a_refused_short_contact_names_its_fields_in_german_and_records_nothing(tab: Tab) -> None:
    demo = tab.demo
    before = demo.all_pages("counsellor", "/contacts", **period())
    tab.expect_console_error("status of 422")
    tab.sign_in("counsellor")
    tab.open("#/kontakte")
    page = tab.page
    contact = page.locator("#contact-form")
    tomorrow = local_today() + timedelta(days=1)

    contact.get_by_role("button", name="Kurzkontakt speichern").click()  # no topic chosen
    expect(contact.locator("[data-path=topic] .field-error")).to_contain_text("Pflichtangabe fehlt: Thema")
    contact.get_by_label("Datum *").fill(tomorrow.isoformat())
    contact.get_by_label("Thema *").select_option(label="Förderung")
    contact.get_by_role("button", name="Kurzkontakt speichern").click()

    expect(contact.locator("[data-path=date] .field-error")).to_have_text(
        f"Das Datum {tomorrow:%d.%m.%Y} liegt in der Zukunft (heute ist der {local_today():%d.%m.%Y})."
    )
    expect(page.locator("#contact-summary [role=alert]")).to_contain_text("Nicht gespeichert")
    tab.screenshot("kontakte-abgelehnt")
    demo.wait_for_views()
    assert demo.all_pages("counsellor", "/contacts", **period()) == before


def test_an_auditor_reads_the_lists_and_gets_no_form(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("auditor")
    tab.open("#/kontakte?von=2020-01-01&bis=" + local_today().isoformat())
    page = tab.page

    contacts = demo.all_pages("auditor", "/contacts", **{"from": "2020-01-01", "to": local_today().isoformat()})
    assert contacts
    expect(page.locator("#contacts-table caption")).to_contain_text(f"{len(contacts)} Kurzkontakte")
    assert len(table_rows(page, "#contacts-table")) == len(contacts)
    expect(page.locator("#contact-form")).to_have_count(0)
    expect(page.locator("#outreach-form")).to_have_count(0)
