"""A case's timeline and the statistics on paper: without navigation, buttons or forms, black on white, nothing cut
off at the right edge, no row split across two sheets. Each is also printed to a PDF in test-artifacts/print/."""

import pytest
from playwright.sync_api import ViewportSize, expect

from tests.browser.conftest import ROOT, Tab
from tests.browser.tour import ACTIVITY, STATISTICS, Places, named

PRINTS = ROOT / "test-artifacts" / "print"
# An A4 sheet's width within the margins of dashboard.css's @page (21 cm - 2 x 1.2 cm), in CSS pixels.
A4_CONTENT: ViewportSize = {"width": 703, "height": 1000}
# What each printed page must show: its main content.
PRINTED = [
    pytest.param("counsellor", "fallverlauf/{case}", ["#case-state", "#plan-table", "#timeline"], id="fallverlauf"),
    pytest.param("auditor", "fallverlauf/{case}", ["#case-state", "#timeline"], id="fallverlauf-pruefung"),
    pytest.param("counsellor", ACTIVITY, ["#activity-proof", "#languages-table"], id="taetigkeitsbericht"),
    pytest.param(
        "auditor", STATISTICS, ["#proof", "#esf-table", "#entries-table", "#funnel-table"], id="foerderstatistik"
    ),
    pytest.param("analyst", "berichte/{report}", ["#report-title", "#report-proof", "#report-cells"], id="bericht"),
]


@pytest.mark.parametrize(("role", "route", "content"), PRINTED)
def test_a_printed_page_shows_its_content_black_on_white_without_navigation_buttons_or_forms(
    tab: Tab, places: Places, role: str, route: str, content: list[str]
) -> None:
    page = tab.page
    tab.sign_in(role)
    tab.open(places.address(route))
    page.set_viewport_size(A4_CONTENT)
    page.emulate_media(media="print")

    assert not page.get_by_role("navigation", name="Hauptnavigation").is_visible()
    assert not page.get_by_role("link", name="Zum Inhalt springen").is_visible()
    assert [button.inner_text() for button in page.locator("button").all() if button.is_visible()] == []
    assert page.locator("form:visible").count() == 0
    assert page.locator("#page h1").is_visible()
    for selector in content:
        expect(page.locator(selector)).to_be_visible()
    assert colours(tab) == {"text": ["rgb(0, 0, 0)"], "background": ["rgba(0, 0, 0, 0)"]}
    assert cut_off(tab) == [], "\n".join(cut_off(tab))
    assert set(
        page.locator("#page tr").evaluate_all("(rows) => rows.map((row) => getComputedStyle(row).breakInside)")
    ) == {"avoid"}

    name = f"druck-{named(role, route)}"
    tab.screenshot(name)
    PRINTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=PRINTS / f"{name}.pdf", format="A4")


def colours(tab: Tab) -> dict[str, list[str]]:
    """The text colours and backgrounds of everything printed on the page (white paper shows through)."""
    found: dict[str, list[str]] = tab.page.evaluate(
        """() => {
            const printed = [...document.querySelectorAll("#inhalt *")].filter((element) => element.checkVisibility());
            const distinct = (values) => [...new Set(values)].sort();
            return {
                text: distinct(printed.filter((element) => [...element.childNodes].some(
                    (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim())).map(
                    (element) => getComputedStyle(element).color)),
                background: distinct(printed.map((element) => getComputedStyle(element).backgroundColor)),
            };
        }"""
    )
    return found


def cut_off(tab: Tab) -> list[str]:
    """What would not fit the sheet: a table wider than its frame, or anything past the right edge."""
    found: list[str] = tab.page.evaluate(
        """() => [...document.querySelectorAll("#inhalt *")]
            .filter((element) => element.checkVisibility())
            .filter((element) => element.getBoundingClientRect().right > innerWidth + 1
                || (element.classList.contains("table-wrap") && element.scrollWidth > element.clientWidth + 1))
            .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`)"""
    )
    return found


def test_an_auditors_printed_case_shows_the_logs_verification_once_it_has_run(tab: Tab, places: Places) -> None:
    page = tab.page
    tab.sign_in("auditor")
    tab.open(places.address("fallverlauf/{case}"))
    integrity = page.get_by_role("heading", name="Integrität des Ereignisprotokolls")
    page.emulate_media(media="print")
    assert not integrity.is_visible()  # only the invitation to verify, whose button paper lacks

    page.emulate_media(media="screen")
    page.get_by_role("button", name="Ereignisprotokoll jetzt prüfen").click()
    page.wait_for_selector("#verification-figures")
    page.emulate_media(media="print")

    assert integrity.is_visible()
    assert page.locator("#verification-figures").is_visible()
    assert not page.get_by_role("button", name="Ereignisprotokoll jetzt prüfen").is_visible()
    tab.screenshot("druck-auditor-fallverlauf-geprueft")
