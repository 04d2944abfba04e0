"""Each role sees only its pages; a page it may not see, or a case it may not read, gets a clear German message."""

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Tab

DESK = "Kurzkontakte und Veranstaltungen"
NAVIGATION = {
    "counsellor": ["Meine Fälle", "Fälle", DESK, "Arbeitgeber", "Kurse", "Tätigkeitsbericht"],
    "lead": [
        "Meine Fälle",
        "Team",
        "Fälle",
        DESK,
        "Arbeitgeber",
        "Kurse",
        "Tätigkeitsbericht",
        "Förderstatistik",
        "Berichte",
    ],
    "auditor": ["Fälle", DESK, "Arbeitgeber", "Kurse", "Tätigkeitsbericht", "Förderstatistik", "Berichte"],
    "analyst": ["Berichte"],  # published reports only: the live figures are refused to analysts (API.md 0.2)
}


@pytest.mark.parametrize("role", list(NAVIGATION))
def test_the_navigation_offers_the_pages_of_the_role(tab: Tab, role: str) -> None:
    tab.sign_in(role)

    assert (
        tab.page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link").all_inner_texts()
        == NAVIGATION[role]
    )


def test_a_counsellor_cannot_open_the_funder_statistics(tab: Tab) -> None:
    tab.sign_in("counsellor")
    tab.open("#/foerderstatistik")

    expect(tab.page.get_by_role("alert")).to_contain_text(
        "„Förderstatistik“ ist für Ihre Rolle (Beratung) nicht freigegeben"
    )
    assert not [url for url in tab.requests if "/statistics/" in url]
    tab.screenshot("rolle-beratung-foerderstatistik")


@pytest.mark.parametrize("route", ["#/fallverlauf", "#/team", "#/meine-faelle"])
def test_an_analyst_sees_no_case(tab: Tab, route: str) -> None:
    tab.sign_in("analyst")
    tab.open(f"{route}/{uuid.uuid4()}" if route == "#/fallverlauf" else route)

    expect(tab.page.get_by_role("alert")).to_contain_text("ist für Ihre Rolle (Auswertung) nicht freigegeben")
    assert not [url for url in tab.requests if "/cases" in url or "/deadlines" in url]


def test_an_auditor_cannot_reassign_cases(tab: Tab) -> None:
    tab.sign_in("auditor")
    tab.open("#/team")

    expect(tab.page.get_by_role("alert")).to_contain_text("„Team“ ist für Ihre Rolle (Revision) nicht freigegeben")
    assert tab.page.locator("#reassign-form").count() == 0


def test_a_case_the_api_does_not_show_gets_a_message_not_a_broken_page(tab: Tab) -> None:
    tab.expect_console_error("status of 404")
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{uuid.uuid4()}")

    expect(tab.page.get_by_role("alert")).to_contain_text("Nicht gefunden")
    expect(tab.page.locator("#page h1")).to_have_text("Fälle")
    assert tab.page.get_by_role("navigation", name="Hauptnavigation").is_visible()


def test_a_page_whose_script_does_not_arrive_says_to_check_the_connection_in_german(tab: Tab) -> None:
    tab.sign_in("lead")
    tab.page.route("**/js/pages/employers.js", lambda route: route.abort("connectionrefused"))
    tab.expect_console_error("ERR_CONNECTION_REFUSED")

    tab.page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Arbeitgeber").click()

    alert = tab.page.get_by_role("alert")
    expect(alert).to_contain_text("Die Seite konnte nicht geladen werden. Der Lotse-Dienst ist nicht erreichbar.")
    assert "employers.js" not in alert.inner_text()
    assert "Failed" not in alert.inner_text()
