"""axe-core (vendored for the tests, tests/browser/vendor/) finds no serious or critical accessibility violation on
any page of any role, on a desk's screen and on a phone's: the sign-in, every page of the navigation, a case's
timeline and a published report. axe runs its default rules (WCAG 2.0-2.2 A and AA, best practices) and the WCAG 2.2
rule on the size of click targets."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ViewportSize, expect

from tests.browser.conftest import Tab
from tests.browser.tour import STOPS, Places, named

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = {"serious", "critical"}
# A desk's screen, and a phone's (the dashboard must be usable from 360 px; tables then scroll in their own frame).
WIDTHS: dict[str, ViewportSize] = {"desk": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}


def violations(tab: Tab) -> list[dict[str, Any]]:
    """What axe finds on the page as it stands, serious and critical only."""
    # Two frames: what the page does when its layout changes (a table that no longer fits) has been done.
    tab.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    tab.page.add_script_tag(path=AXE)
    found: list[dict[str, Any]] = tab.page.evaluate(
        """async () => (await axe.run(document, {
            resultTypes: ["violations"],
            rules: { "target-size": { enabled: true } },
        })).violations.map((violation) => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            nodes: violation.nodes.map((node) => `${node.target.join(" ")}: ${node.failureSummary}`),
        }))"""
    )
    return [violation for violation in found if violation["impact"] in BLOCKING]


def described(found: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{violation['impact']} {violation['id']}: {violation['help']}\n"
        + "\n".join(f"    {node}" for node in violation["nodes"])
        for violation in found
    )


def test_the_sign_in_page_has_no_serious_violation(axe_tab: Tab) -> None:
    axe_tab.page.goto(axe_tab.demo.dashboard)
    axe_tab.page.get_by_label("Zugangstoken").fill("kein Token")
    axe_tab.page.get_by_role("button", name="Anmelden").click()
    axe_tab.page.get_by_role("alert").wait_for()  # the refusal shown too

    found = violations(axe_tab)
    assert not found, described(found)


def headers_only_tables(tab: Tab) -> list[str]:
    """Tables without a single row: column headers over nothing tell a screen reader nothing (say so in words)."""
    empty: list[str] = tab.page.evaluate(
        """() => [...document.querySelectorAll("table")]
            .filter((table) => !table.querySelector("tbody tr"))
            .map((table) => table.id || table.outerHTML.slice(0, 120))"""
    )
    return empty


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize(("role", "route"), STOPS)
def test_each_page_of_each_role_has_no_serious_violation(
    axe_tab: Tab, places: Places, role: str, route: str, width: str
) -> None:
    axe_tab.page.set_viewport_size(WIDTHS[width])
    axe_tab.sign_in(role)
    axe_tab.open(places.address(route))

    found = violations(axe_tab)
    assert not found, described(found)
    assert headers_only_tables(axe_tab) == []
    axe_tab.screenshot(f"{WIDTHS[width]['width']}-{named(role, route)}")


def test_an_auditors_case_after_verifying_the_log_and_going_back_a_version_has_no_serious_violation(
    axe_tab: Tab, places: Places
) -> None:
    page = axe_tab.page
    axe_tab.sign_in("auditor")
    axe_tab.open(places.address("fallverlauf/{case}"))
    page.get_by_label("Stand bei Version", exact=False).fill("1")
    page.get_by_role("button", name="Stand anzeigen").click()
    page.locator("#timeline > li.later").first.wait_for()
    page.get_by_role("button", name="Ereignisprotokoll jetzt prüfen").click()
    page.wait_for_selector("#verification-figures")

    found = violations(axe_tab)
    assert not found, described(found)


def test_a_refused_report_has_no_serious_violation(axe_tab: Tab) -> None:
    """An error message next to its form."""
    page = axe_tab.page
    axe_tab.sign_in("lead")
    axe_tab.open("#/berichte")
    page.get_by_label("Zeitraum").fill("2023")
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    page.locator("#publish-confirmation").wait_for()
    found = violations(axe_tab)  # the question before publishing
    assert not found, described(found)
    page.get_by_role("button", name="Abbrechen").click()
    page.get_by_label("Zeitraum").fill("2099")  # not ended: refused before any question
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    page.locator("#publish-status.error").wait_for()

    found = violations(axe_tab)
    assert not found, described(found)


def test_a_course_link_that_opens_a_new_window_says_so(tab: Tab) -> None:
    tab.sign_in("counsellor")
    tab.open("#/kurse")
    links = tab.page.locator("#offers-table a[target=_blank]")

    assert links.count() > 0
    for link in links.all():
        expect(link).to_have_accessible_description("öffnet ein neues Fenster")


def test_a_refused_step_and_the_open_first_contact_form_have_no_serious_violation(axe_tab: Tab, places: Places) -> None:
    """Every generated form: a step's fields with the API's German messages beside them, the plan's repeated
    entries, and the first contact's form opened."""
    page = axe_tab.page
    axe_tab.expect_console_error("status of 422")
    axe_tab.sign_in("counsellor")
    axe_tab.open(places.address("fallverlauf/{case}"))
    page.get_by_label("Art des Schritts").select_option("plan_agreed")
    page.get_by_role("button", name="Schritt hinzufügen").click()
    page.get_by_role("button", name="Schritt speichern").click()
    page.locator("#step-summary [role=alert]").wait_for()
    assert page.locator("#step-form .field-error:not([hidden])").count() >= 4

    found = violations(axe_tab)
    assert not found, described(found)

    axe_tab.open("#/fallverlauf")
    page.get_by_text("Formular für den Erstkontakt öffnen").click()
    page.get_by_role("button", name="Fall anlegen").click()
    page.locator("#first-contact-summary [role=alert]").wait_for()

    found = violations(axe_tab)
    assert not found, described(found)


def test_the_catalogue_and_employer_forms_refused_and_the_withdrawal_question_have_no_serious_violation(
    axe_tab: Tab,
) -> None:
    """A lead's forms beside the cases: a new offer and a new employer, each refused empty (every field's message
    beside it), and the question before an offer is withdrawn."""
    page = axe_tab.page
    axe_tab.expect_console_error("status of 422")
    axe_tab.sign_in("lead")
    axe_tab.open("#/kurse")
    page.get_by_text("Neues Angebot erfassen").click()
    page.get_by_role("button", name="Angebot speichern").click()
    page.locator("#offer-summary [role=alert]").wait_for()
    page.get_by_role("button", name="Zurückziehen").first.click()
    page.locator("#withdrawal").wait_for()

    found = violations(axe_tab)
    assert not found, described(found)

    axe_tab.open("#/arbeitgeber")
    page.get_by_text("Neuen Arbeitgeber erfassen").click()
    page.get_by_role("button", name="Arbeitgeber speichern").click()
    page.locator("#employer-summary [role=alert]").wait_for()

    found = violations(axe_tab)
    assert not found, described(found)
