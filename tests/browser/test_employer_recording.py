"""Employers from the dashboard: a counsellor registers a firm, opens its page and records its counselling and a
person referred to it through forms generated from the API's schemas; a refusal names its field in German and records
nothing; a change by someone else in between is refused, not overwritten; an auditor reads the history without a
form."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Tab
from tests.browser.helpers import local_today, short


@pytest.fixture(autouse=True)
def views_caught_up_afterwards(demo: Demo) -> Iterator[None]:
    """The activity report's page, tested later, compares the views' figures with the log."""
    yield
    demo.wait_for_views()


def register(demo: Demo, name: str) -> dict[str, Any]:
    """An employer registered through the API, as another counsellor's browser would."""
    employer: dict[str, Any] = demo.post(
        "counsellor", "/employers", {"name": name, "size": "medium", "sector": "Pflege", "postal_code": "50667"}
    )
    return employer


def test_a_counsellor_registers_an_employer_and_records_its_counselling_and_a_referral(tab: Tab) -> None:
    demo = tab.demo
    name = "Pflegedienst Sonnenhof"  # once per demo: no other employer of that name
    tab.sign_in("counsellor")
    tab.open("#/arbeitgeber")
    page = tab.page

    page.get_by_text("Neuen Arbeitgeber erfassen").click()
    form = page.locator("#employer-form")
    form.get_by_label("Name des Betriebs *").fill(name)
    form.get_by_label("Größe des Betriebs *").select_option(label="Kleines Unternehmen")
    form.get_by_label("Branche *").fill("Ambulante Pflege")
    form.get_by_label("Postleitzahl *").fill("50823")
    form.get_by_role("button", name="Arbeitgeber speichern").click()

    expect(page.locator("#employer-notice")).to_contain_text(f"Gespeichert: {name} (Kleines Unternehmen).")
    demo.wait_for_views()
    [registered] = demo.all_pages("counsellor", "/employers", q=name)
    assert (registered["size"], registered["sector"], registered["postal_code"]) == (
        "small",
        "Ambulante Pflege",
        "50823",
    )
    expect(page.locator("#employers-table").get_by_role("link", name=name)).to_be_visible()

    with tab.navigating():
        page.locator("#employer-notice").get_by_role("link").click()
    expect(page.locator("#page h1")).to_have_text(f"Arbeitgeber: {name}")
    expect(page.get_by_label("Art des Schritts")).to_have_value("employer_counselled")
    step = page.locator("#step-form")
    expect(step.get_by_label("Datum *")).to_have_value(local_today().isoformat())
    step.get_by_label("Minuten *").fill("45")
    step.get_by_label("Qualifizierungsbedarf").check()
    step.get_by_label("Förderung").check()
    step.get_by_label("Beschäftigte mit Interesse an Qualifizierung").fill("3")
    step.get_by_role("button", name="Schritt speichern").click()

    expect(page.locator("#step-notice")).to_have_text("Gespeichert: Arbeitgeber beraten (Version 2).")
    counselled = demo.api("counsellor", f"/employers/{registered['id']}")
    assert (counselled["counselling_sessions"], counselled["counselling_minutes"]) == (1, 45)
    assert counselled["employees_interested"] == 3
    assert counselled["history"][-1]["data"]["topics"] == ["qualification_needs", "funding"]
    state = page.locator("#employer-state")
    expect(state.locator("[data-field=counselling_minutes] dd")).to_have_text("45")
    expect(state.locator("[data-field=last_contact_on] dd")).to_have_text(f"{local_today():%d.%m.%Y}")
    expect(page.locator("#timeline li")).to_have_count(2)
    expect(page.locator("#timeline li").nth(1)).to_contain_text("Arbeitgeber beraten")
    expect(page.locator("#timeline li").nth(1)).to_contain_text("Qualifizierungsbedarf, Förderung")

    # A person referred to the firm: her open case is offered by the client's name, and the id is what is sent.
    [her_case] = demo.api("counsellor", "/cases", counsellor="ayse", status="open", limit=1)["items"]
    page.get_by_label("Art des Schritts").select_option(label="Person an den Betrieb vermittelt")
    field = step.get_by_label("Fall der vermittelten Person")
    options = field.evaluate("(input) => [...input.list.options].map((option) => [option.value, option.label])")
    assert [her_case["id"], her_case["name"]] in options
    field.fill(her_case["id"])
    step.get_by_role("button", name="Schritt speichern").click()

    expect(page.locator("#step-notice")).to_have_text("Gespeichert: Person an den Betrieb vermittelt (Version 3).")
    assert demo.api("counsellor", f"/employers/{registered['id']}")["referred_cases"] == [her_case["id"]]
    expect(page.locator("#referred-cases").get_by_role("link")).to_have_text(short(her_case["id"]))
    assert tab.unlabelled_controls() == []
    tab.screenshot("arbeitgeber-erfassen", readme=True)


def test_a_refused_employer_step_names_its_field_in_german_and_records_nothing(tab: Tab) -> None:
    demo = tab.demo
    employer = register(demo, "Bäckerei Morgenrot")
    tab.expect_console_error("status of 422")
    tab.sign_in("counsellor")
    tab.open(f"#/arbeitgeber/{employer['id']}")
    page = tab.page
    step = page.locator("#step-form")
    tomorrow = local_today() + timedelta(days=1)

    step.get_by_role("button", name="Schritt speichern").click()  # no minutes
    expect(step.locator("[data-path=minutes] .field-error")).to_contain_text("Pflichtangabe fehlt: Minuten")
    step.get_by_label("Minuten *").fill("30")
    step.get_by_label("Datum *").fill(tomorrow.isoformat())
    step.get_by_role("button", name="Schritt speichern").click()

    expect(step.locator("[data-path=date] .field-error")).to_have_text(
        f"Das Datum {tomorrow:%d.%m.%Y} liegt in der Zukunft (heute ist der {local_today():%d.%m.%Y})."
    )
    expect(page.locator("#step-summary [role=alert]")).to_contain_text("Nicht gespeichert")
    tab.screenshot("arbeitgeber-abgelehnt")
    assert demo.api("counsellor", f"/employers/{employer['id']}")["version"] == 1


def test_a_step_on_an_employer_changed_meanwhile_is_refused_and_the_page_reloads_it(tab: Tab) -> None:
    demo = tab.demo
    employer = register(demo, "Autohaus Rheinblick")
    tab.expect_console_error("status of 412")
    tab.sign_in("lead")
    tab.open(f"#/arbeitgeber/{employer['id']}")
    page = tab.page
    contact = {"type": "employer_contacted", "date": local_today().isoformat(), "channel": "phone"}
    demo.post("counsellor", f"/employers/{employer['id']}/steps", contact)

    page.get_by_label("Art des Schritts").select_option(label="Arbeitgeber angesprochen")
    page.locator("#step-form").get_by_label("Weg der Ansprache *").select_option(label="Besuch im Betrieb")
    page.get_by_role("button", name="Schritt speichern").click()

    expect(page.locator("#step-summary [role=alert]")).to_contain_text("Nicht gespeichert")
    assert demo.api("lead", f"/employers/{employer['id']}")["version"] == 2  # the other's step only
    page.get_by_role("button", name="Arbeitgeber neu laden").click()
    expect(page.locator("#state-heading")).to_have_text("Aktueller Stand (Version 2)")
    expect(page.get_by_label("Art des Schritts")).to_be_focused()  # back where she was, not at the page's top
    expect(page.locator("#timeline li").nth(1)).to_contain_text("Telefon")


def test_an_auditor_reads_an_employers_history_and_gets_no_form(tab: Tab) -> None:
    demo = tab.demo
    [employer, *_] = [item for item in demo.all_pages("auditor", "/employers") if item["counselling_sessions"]]
    record = demo.api("auditor", f"/employers/{employer['id']}")
    tab.sign_in("auditor")
    tab.open("#/arbeitgeber")
    page = tab.page

    with tab.navigating():
        page.locator("#employers-table").get_by_role("link", name=employer["name"], exact=True).first.click()
    expect(page.locator("#page h1")).to_have_text(f"Arbeitgeber: {employer['name']}")
    expect(page.locator("#timeline li")).to_have_count(len(record["history"]))
    expect(page.locator("#employer-state [data-field=counselling_sessions] dd")).to_have_text(
        str(record["counselling_sessions"])
    )
    expect(page.locator("#step-form")).to_have_count(0)
    expect(page.locator("#employer-new")).to_have_count(0)


def test_an_address_that_names_no_employer_says_so(tab: Tab) -> None:
    tab.expect_console_error("status of 404")
    tab.sign_in("counsellor")
    page = tab.page

    tab.open("#/arbeitgeber/kein-arbeitgeber")
    expect(page.get_by_role("alert")).to_contain_text("Diese Adresse nennt keinen Arbeitgeber.")
    tab.open(f"#/arbeitgeber/{uuid.uuid4()}")
    expect(page.get_by_role("alert")).to_contain_text("Diesen Arbeitgeber gibt es nicht")


def test_without_the_apis_description_the_employers_are_listed_and_the_form_says_why_it_is_missing(tab: Tab) -> None:
    tab.page.route("**/schema/openapi.json", lambda route: route.fulfill(status=503, body="{}"))
    tab.expect_console_error("status of 503")
    tab.sign_in("counsellor")
    tab.open("#/arbeitgeber")
    page = tab.page

    expect(page.locator("#employers-table tbody tr").first).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Arbeitgeber lassen sich gerade nicht erfassen")
    expect(page.locator("#employer-form")).to_have_count(0)
