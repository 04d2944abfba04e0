"""The course catalogue in the dashboard: the "Kurse" page searches what `GET /offers` answers, and a case shows the
offers that `GET /cases/{id}/matching-offers` matches, with their reasons (the demo loads a sample catalogue)."""

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Demo, Tab
from tests.browser.helpers import local_today, table_rows


def case_with_matches(demo: Demo) -> tuple[str, Any]:
    """A case of agency koeln that some offers fit, and what the API matches for it."""
    for item in demo.all_pages("counsellor", "/cases", status="open"):
        answer = demo.api("counsellor", f"/cases/{item['id']}/matching-offers")
        if answer["total"] >= 2:
            return item["id"], answer
    raise AssertionError("the demo has no open case that two offers of its catalogue fit")


def test_the_courses_page_searches_the_catalogue(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("counsellor")
    tab.open("#/kurse")
    page = tab.page

    expected = demo.api("counsellor", "/offers", starts_after=local_today().isoformat(), limit=50)
    rows = table_rows(page, "#offers-table")
    assert [row[1].split("bis")[0].strip() for row in rows] == [item["title"] for item in expected["items"]]
    assert page.locator("#offer-count").inner_text().startswith(f"{expected['total']} Angebote gefunden")
    assert tab.unlabelled_controls() == []
    tab.screenshot("kurse", readme=True)

    page.get_by_label("Beruf").fill("Pflege")
    page.get_by_label("Kursart").select_option(label="Anpassungslehrgang")
    found = demo.api(
        "counsellor",
        "/offers",
        occupation="Pflege",
        kind="adaptation_course",
        starts_after=local_today().isoformat(),
        limit=50,
    )
    assert 1 <= found["total"] < expected["total"]
    page.get_by_role("button", name="Suchen").click()
    # The search answers in place, without a new page: its count shows when its table does.
    expect(page.locator("#offer-count")).to_have_text(re.compile(rf"^{found['total']} Angebote? gefunden"))
    rows = table_rows(page, "#offers-table")
    assert len(rows) == len(found["items"])
    assert all(row[2] == "Anpassungslehrgang" and "Pflege" in row[4] for row in rows)
    tab.screenshot("kurse-suche")

    page.get_by_label("PLZ beginnt mit").fill("5x")
    page.get_by_role("button", name="Suchen").click()
    assert "bis zu fünf Ziffern" in page.get_by_role("alert").inner_text()
    # The earlier search's count and table are gone: they would read as the answer to this one.
    expect(page.locator("#offer-count")).to_have_count(0)
    expect(page.locator("#offers-table")).to_have_count(0)


def test_a_case_shows_the_offers_that_fit_it_with_their_reasons(tab: Tab) -> None:
    demo = tab.demo
    case_id, answer = case_with_matches(demo)
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case_id}")
    page = tab.page

    name = demo.api("counsellor", f"/cases/{case_id}")["personal"]["name"]
    expect(page.locator("#page h1")).to_have_text(f"Fall: {name}")
    rows = table_rows(page, "#matching-table")
    assert [row[0] for row in rows] == [item["offer"]["title"] for item in answer["items"]]
    assert [row[6] for row in rows] == [item["reason"]["text"] for item in answer["items"]]
    assert page.locator("#needs li").all_inner_texts() == [
        f"{KINDS[need['kind']]}: {need['text']}" for need in answer["needs"]
    ]
    assert "Wohnort" in page.locator("#matching-order").inner_text()
    tab.screenshot("fallverlauf-kurse", readme=True)

    page.get_by_label("Entfernung ab Postleitzahl").fill("40213")
    page.get_by_role("button", name="Neu sortieren").click()
    page.wait_for_load_state("networkidle")
    near = demo.api("counsellor", f"/cases/{case_id}/matching-offers", near="40213")
    page.wait_for_function("() => document.querySelector('#matching-order')?.textContent.includes('40213')")
    assert [row[0] for row in table_rows(page, "#matching-table")] == [item["offer"]["title"] for item in near["items"]]


def test_an_auditor_reads_the_catalogue_but_matches_no_case(tab: Tab) -> None:
    demo = tab.demo
    case_id, _ = case_with_matches(demo)
    tab.sign_in("auditor")
    tab.open(f"#/fallverlauf/{case_id}")
    assert tab.page.locator("#matching").count() == 0
    assert not [url for url in tab.requests if "matching-offers" in url]
    tab.open("#/kurse")
    assert table_rows(tab.page, "#offers-table")


KINDS = {
    "exam_preparation": "Prüfungsvorbereitung",
    "partial_qualification": "Teilqualifikation",
    "adaptation_qualification": "Anpassungsqualifizierung",
    "adaptation_course": "Anpassungslehrgang",
    "language": "Sprachkurs",
    "retraining": "Umschulung",
}
