"""The "Arbeitgeber" page: the agency's employers as the API lists them, in German, filtered by size and name."""

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Tab
from tests.browser.helpers import figure, table_rows

SIZES = {
    "micro": "Kleinstunternehmen",
    "small": "Kleines Unternehmen",
    "medium": "Mittleres Unternehmen",
    "large": "Großunternehmen",
}


def shown(employer: dict[str, Any], *, agency: bool = False) -> list[str]:
    """An employer's row as the page writes it: German size, day as DD.MM.YYYY, counts."""
    last = employer["last_contact_on"]
    return [
        employer["name"],
        SIZES[employer["size"]],
        employer["sector"],
        employer["postal_code"],
        *([employer["agency"]] if agency else []),
        date.fromisoformat(last).strftime("%d.%m.%Y") if last else "–",
        str(employer["counselling_sessions"]),
        str(employer["contacts"]),
        str(employer["employees_referred"]),
    ]


@pytest.mark.parametrize("role", ["counsellor", "lead", "auditor"])
def test_the_employers_page_lists_the_agencys_employers_as_the_api_does(tab: Tab, role: str) -> None:
    demo = tab.demo
    tab.sign_in(role)
    with tab.navigating():
        tab.page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Arbeitgeber").click()
    page = tab.page

    employers = demo.all_pages(role, "/employers")
    assert employers  # the demo desk has employers
    expect(page.locator("#page h1")).to_have_text("Arbeitgeber")
    assert table_rows(page, "#employers-table") == [shown(employer) for employer in employers]
    assert figure(page.locator("[data-figure=employers]").inner_text()) == len(employers)
    counselled = [employer for employer in employers if employer["counselling_sessions"]]
    assert figure(page.locator("[data-figure=counselled]").inner_text()) == len(counselled)
    smes = [employer for employer in counselled if employer["size"] != "large"]
    assert figure(page.locator("[data-figure=counselled-smes]").inner_text()) == len(smes)
    assert {employer["agency"] for employer in employers} == {"koeln"}
    assert tab.unlabelled_controls() == []
    if role == "counsellor":
        tab.screenshot("arbeitgeber", readme=True)


def test_the_employers_page_filters_by_size_and_name(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("lead")
    tab.open("#/arbeitgeber")
    page = tab.page
    word = demo.all_pages("lead", "/employers", size="small")[0]["name"].split()[0]

    page.get_by_label("Größe", exact=True).select_option(label="Kleines Unternehmen")
    page.get_by_label("Name enthält").fill(word)
    with tab.navigating():
        page.get_by_role("button", name="Anzeigen").click()

    expected = demo.all_pages("lead", "/employers", size="small", q=word)
    assert expected
    assert table_rows(page, "#employers-table") == [shown(employer) for employer in expected]
    assert page.get_by_label("Größe", exact=True).input_value() == "small"
    assert page.get_by_label("Name enthält").input_value() == word
    tab.screenshot("arbeitgeber-auswahl")

    page.get_by_label("Name enthält").fill("Gibtesnicht")
    with tab.navigating():
        page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("status")).to_contain_text("Kein Arbeitgeber passt zu dieser Auswahl.")


def test_an_analyst_gets_no_employers_page(tab: Tab) -> None:
    tab.sign_in("analyst")
    tab.open("#/arbeitgeber")

    expect(tab.page.get_by_role("alert")).to_contain_text(
        "„Arbeitgeber“ ist für Ihre Rolle (Auswertung) nicht freigegeben"
    )
    assert not [url for url in tab.requests if "/employers" in url]


def test_the_funder_statistics_show_eeco19_without_a_gender_split(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("auditor")
    tab.open("#/foerderstatistik?von=2024-01-01&bis=2026-12-31&basis=entry")

    esf = demo.api("auditor", "/statistics/esf", basis="entry", **{"from": "2024-01-01", "to": "2026-12-31"})
    [row] = [row for row in table_rows(tab.page, "#esf-table") if row[0].startswith("EECO19")]
    assert row[1:] == ["–", "–", "–", "–", str(esf["indicators"]["EECO19"]["total"])]
    assert esf["indicators"]["EECO19"]["total"] > 0
    assert "unterstützte kleine und mittlere Unternehmen" in row[0]
