"""Every page of the dashboard each role reaches: the tour the accessibility, small-screen and print tests take.

A route may name `{case}` (a case of the counsellor `ayse` with a qualification plan, so the case page shows every
part it has), `{employer}` (an employer counselled and contacted) or `{report}` (a published report); `Places` fills
them in.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser.helpers import local_today

if TYPE_CHECKING:  # conftest imports this module for its fixture
    from tests.browser.conftest import Demo

ACTIVITY = f"taetigkeitsbericht?von=2020-01-01&bis={local_today().isoformat()}"
STATISTICS = "foerderstatistik?von=2025-01-01&bis=2025-12-31&basis=entry"

# Follows the navigation of each role (test_roles.NAVIGATION), with the pages below it: a case, a report.
TOUR = {
    "counsellor": [
        "meine-faelle",
        "fallverlauf",
        "fallverlauf/{case}",
        "kontakte",
        "arbeitgeber",
        "arbeitgeber/{employer}",
        "kurse",
        ACTIVITY,
    ],
    "lead": [
        "meine-faelle",
        "team",
        "fallverlauf",
        "fallverlauf/{case}",
        "kontakte",
        "arbeitgeber",
        "arbeitgeber/{employer}",
        "kurse",
        ACTIVITY,
        STATISTICS,
        "berichte",
        "berichte/{report}",
    ],
    "auditor": [
        "fallverlauf",
        "fallverlauf/{case}",
        "kontakte",
        "arbeitgeber",
        "arbeitgeber/{employer}",
        "kurse",
        ACTIVITY,
        STATISTICS,
        "berichte",
        "berichte/{report}",
    ],
    "analyst": ["berichte", "berichte/{report}"],
}


def named(role: str, route: str) -> str:
    """A stop's name for test ids and screenshots: role and page, without the period (it moves with the day)."""
    page = (
        route.partition("?")[0]
        .replace("{case}", "fall")
        .replace("{employer}", "betrieb")
        .replace("{report}", "bericht")
    )
    return f"{role}-{page.replace('/', '-')}"


STOPS = [pytest.param(role, route, id=named(role, route)) for role, routes in TOUR.items() for route in routes]


@dataclass(frozen=True)
class Places:
    """The case, the employer and the report the tour's routes name."""

    case: str
    employer: str
    report: str

    def address(self, route: str) -> str:
        return "#/" + route.format(case=self.case, employer=self.employer, report=self.report)


def find_places(demo: "Demo") -> Places:
    case = next(
        item["id"]
        for item in demo.all_pages("counsellor", "/cases", counsellor="ayse", status="open")
        if demo.api("counsellor", f"/cases/{item['id']}")["plan"] is not None
    )
    employer = next(
        item["id"] for item in demo.all_pages("lead", "/employers") if item["counselling_sessions"] and item["contacts"]
    )
    # A report of the funnel (no test reads those), so that publishing it changes no other test's suppression.
    response = httpx.post(
        f"{demo.base}/reports",
        json={"kind": "funnel", "period": "2024"},
        headers={"Authorization": f"Bearer {demo.tokens['lead']}"},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    return Places(case=case, employer=employer, report=response.json()["id"])
