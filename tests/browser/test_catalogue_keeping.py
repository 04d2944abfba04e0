"""The course catalogue kept from the dashboard: a lead lists a provider's offer through the form generated from
`POST /offers` and withdraws it after a question; a refusal names the rule in German; counsellors search only."""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Tab
from tests.browser.helpers import local_today


@pytest.fixture(autouse=True)
def views_caught_up_afterwards(demo: Demo) -> Iterator[None]:
    yield
    demo.wait_for_views()


def an_offer(occupation: str) -> dict[str, Any]:
    starts = local_today() + timedelta(days=40)
    return {
        "provider": "Bildungswerk Rhein",
        "title": f"Vorbereitung Externenprüfung {occupation}",
        "kind": "exam_preparation",
        "occupations": [occupation],
        "postal_code": "50667",
        "city": "Köln",
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=120)).isoformat(),
        "schedule": "part_time",
        "language": "de",
        "funding": ["education_voucher"],
        "contact": "kurse@bildungswerk-rhein.example",
    }


def search_for(tab: Tab, occupation: str) -> None:
    tab.page.get_by_label("Beruf", exact=True).fill(occupation)
    tab.page.get_by_role("button", name="Suchen").click()


def test_a_lead_lists_an_offer_from_the_form_and_finds_it_in_the_catalogue(tab: Tab) -> None:
    demo = tab.demo
    occupation = "Kesselbauer"  # once per demo: no other offer names it
    starts = local_today() + timedelta(days=30)
    tab.sign_in("lead")
    tab.open("#/kurse")
    page = tab.page

    page.get_by_text("Neues Angebot erfassen").click()
    form = page.locator("#offer-form")
    expect(form.get_by_label("Unterrichtssprache *")).to_have_value("de")
    form.get_by_label("Bildungsträger *").fill("Bildungswerk Rhein")
    form.get_by_label("Titel des Kurses *").fill("Vorbereitung auf die Externenprüfung")
    form.get_by_label("Kursart *").select_option(label="Prüfungsvorbereitung")
    form.get_by_label("Berufe").fill(occupation)
    form.get_by_label("Postleitzahl des Kursorts *").fill("50667")
    form.get_by_label("Ort *").fill("Köln")
    form.get_by_label("Beginn *").fill(starts.isoformat())
    form.get_by_label("Ende *").fill((starts + timedelta(days=90)).isoformat())
    form.get_by_label("Zeitmodell *").select_option(label="Teilzeit")
    form.get_by_label("Bildungsgutschein").check()
    form.get_by_label("Kontakt für Anmeldungen *").fill("kurse@bildungswerk-rhein.example")
    form.get_by_role("button", name="Angebot speichern").click()

    expect(page.locator("#offer-notice")).to_have_text(
        f"Gespeichert: „Vorbereitung auf die Externenprüfung“ (Bildungswerk Rhein, ab {starts:%d.%m.%Y})."
    )
    [listed] = demo.all_pages("lead", "/offers", occupation=occupation)
    assert (listed["kind"], listed["schedule"], listed["funding"]) == (
        "exam_preparation",
        "part_time",
        ["education_voucher"],
    )
    assert listed["occupations"] == [occupation]
    search_for(tab, occupation)
    expect(page.locator("#offer-count")).to_have_text("1 Angebot gefunden.")
    expect(page.locator("#offers-table tbody tr")).to_contain_text("Vorbereitung auf die Externenprüfung")
    assert tab.unlabelled_controls() == []
    tab.screenshot("kurse-angebot-erfassen")


def test_an_offer_that_ends_before_it_starts_is_refused_with_the_rule_in_german(tab: Tab) -> None:
    tab.expect_console_error("status of 422")
    tab.sign_in("lead")
    tab.open("#/kurse")
    page = tab.page
    offer = an_offer("Glaser")

    page.get_by_text("Neues Angebot erfassen").click()
    form = page.locator("#offer-form")
    form.get_by_label("Bildungsträger *").fill(offer["provider"])
    form.get_by_label("Titel des Kurses *").fill(offer["title"])
    form.get_by_label("Kursart *").select_option(offer["kind"])
    form.get_by_label("Berufe").fill("Glaser")
    form.get_by_label("Postleitzahl des Kursorts *").fill(offer["postal_code"])
    form.get_by_label("Ort *").fill(offer["city"])
    form.get_by_label("Beginn *").fill(offer["ends_on"])
    form.get_by_label("Ende *").fill(offer["starts_on"])
    form.get_by_label("Zeitmodell *").select_option(offer["schedule"])
    form.get_by_label("Kontakt für Anmeldungen *").fill(offer["contact"])
    form.get_by_role("button", name="Angebot speichern").click()

    alert = page.locator("#offer-summary [role=alert]")
    expect(alert).to_contain_text("Nicht gespeichert")
    ends, starts = (f"{day:%d.%m.%Y}" for day in (date.fromisoformat(offer[name]) for name in ("starts_on", "ends_on")))
    expect(form.locator("[data-path=ends_on] .field-error")).to_contain_text(
        f"Das Angebot endet ({ends}) vor seinem Beginn ({starts})"
    )
    tab.screenshot("kurse-angebot-abgelehnt")
    assert tab.demo.all_pages("lead", "/offers", occupation="Glaser", starts_after=offer["starts_on"]) == []


def test_a_lead_withdraws_an_offer_after_a_question_and_it_leaves_the_catalogue(tab: Tab) -> None:
    demo = tab.demo
    occupation = "Glockengießer"
    offer = demo.post("lead", "/offers", an_offer(occupation))
    demo.wait_for_views()
    tab.sign_in("lead")
    tab.open("#/kurse")
    page = tab.page
    search_for(tab, occupation)

    page.get_by_role("button", name=f"„{offer['title']}“ zurückziehen").click()
    question = page.locator("#withdrawal")
    expect(question).to_be_focused()
    expect(question).to_contain_text("lässt sich nicht rückgängig machen")
    question.get_by_role("button", name="Abbrechen").click()
    expect(question).to_have_count(0)
    assert demo.api("lead", f"/offers/{offer['id']}")["status"] != "withdrawn"

    page.get_by_role("button", name=f"„{offer['title']}“ zurückziehen").click()
    question.get_by_label("Grund (freiwillig, ohne Namen von Personen)").fill("Kurs fällt mangels Anmeldungen aus")
    question.get_by_role("button", name="Endgültig zurückziehen").click()

    expect(page.locator("#withdrawal-notice")).to_have_text(f"Zurückgezogen: „{offer['title']}“ (Bildungswerk Rhein).")
    withdrawn = demo.api("lead", f"/offers/{offer['id']}")
    assert (withdrawn["status"], withdrawn["withdrawal_reason"]) == ("withdrawn", "Kurs fällt mangels Anmeldungen aus")
    expect(page.locator("#offer-results")).to_contain_text("Kein Angebot passt zu dieser Suche.")
    tab.screenshot("kurse-zurueckgezogen")


def test_a_counsellor_searches_the_catalogue_but_gets_no_form_and_no_withdrawal(tab: Tab) -> None:
    tab.sign_in("counsellor")
    tab.open("#/kurse")
    page = tab.page

    expect(page.locator("#offers-table tbody tr").first).to_be_visible()
    expect(page.locator("#offer-new")).to_have_count(0)
    expect(page.get_by_role("button", name="Zurückziehen")).to_have_count(0)
    expect(page.locator("#offers-table thead th")).to_have_count(8)
