"""What a counsellor reads is German: countries by their German names, not ISO codes; a report's figures in words,
not by the API's keys."""

import re
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Tab
from tests.browser.helpers import table_rows

# The demo's countries of qualification (application/synthetic.py) as the timeline names them.
COUNTRIES = {
    "TR": "Türkei",
    "SY": "Syrien",
    "UA": "Ukraine",
    "PL": "Polen",
    "RO": "Rumänien",
    "AF": "Afghanistan",
    "IR": "Iran",
    "IT": "Italien",
    "VN": "Vietnam",
    "NG": "Nigeria",
}


def countries(data: Any) -> list[str]:
    """The country codes in an event's data, in the order the timeline lists its fields (nested ones in place)."""
    if isinstance(data, dict):
        return [
            code
            for key, value in data.items()
            if key != "personal"  # the timeline leaves personal data out of an event's fields
            for code in ([value] if key in {"country", "qualification_country"} and value else countries(value))
        ]
    return []


def test_the_timeline_names_countries_in_german_with_their_code(tab: Tab) -> None:
    demo = tab.demo
    case_id, codes = next(
        (item["id"], codes)
        for item in demo.all_pages("counsellor", "/cases", counsellor="ayse")
        if (
            codes := [
                code
                for event in demo.api("counsellor", f"/cases/{item['id']}/history")["events"]
                for code in countries(event["data"])
            ]
        )
    )
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case_id}")

    land = tab.page.locator("dt", has_text="Land")
    shown = tab.page.locator("#timeline dl.details div").filter(has=land).locator("dd")
    assert shown.all_inner_texts() == [f"{COUNTRIES[code]} ({code})" for code in codes]


@pytest.mark.parametrize("kind", ["funnel", "activity"])
def test_a_published_reports_cells_are_named_in_german(tab: Tab, kind: str) -> None:
    """Not by the API's keys (`sessions_by_mode.phone`, `recognition.median_days.first_contact->assessment`)."""
    demo = tab.demo
    response = httpx.post(
        f"{demo.base}/reports",
        json={"kind": kind, "period": "2025-Q1"},
        headers={"Authorization": f"Bearer {demo.tokens['auditor']}"},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    report = response.json()
    tab.sign_in("analyst")
    tab.open(f"#/berichte/{report['id']}")

    names = [row[0] for row in table_rows(tab.page, "#report-cells")]
    assert len(names) == len(report["cells"]) + len(report["figures"])
    assert [name for name in names if re.search(r"[._]|->", name)] == []
