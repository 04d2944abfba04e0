"""The lead's "Team" page and someone who left: her caseload is marked, the lead is told her cases wait for someone
else, she is no longer offered as the new counsellor, and once her cases are given away her row is gone."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Tab
from tests.browser.helpers import local_today, table_rows


@pytest.fixture(autouse=True)
def views_caught_up_afterwards(demo: Demo) -> Iterator[None]:
    yield
    demo.wait_for_views()


def a_case_of_a_counsellor_who_then_left(demo: Demo, subject: str) -> str:
    token = demo.server.token(subject, "counsellor")
    profile = {"gender": "male", "labour_status": "employed", "isced": 3, "foreign_background": True,
               "third_country_national": True, "birth_year": 1984}  # fmt: skip
    opened = httpx.post(
        f"{demo.base}/cases",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "first_contact_on": local_today().isoformat(),
            "channel": "walk_in",
            "referral_source": "self",
            "profile": profile,
            "personal": {"name": "Dariusz Nowak"},
        },
        timeout=30,
    )
    assert opened.status_code == 201, opened.text
    demo.server.lotse("staff", "deactivate", "--subject", subject, "--agency", "koeln")
    demo.wait_for_views()
    case_id: str = opened.json()["id"]
    return case_id


def test_a_lead_sees_who_left_with_open_cases_and_gives_them_to_an_active_counsellor(tab: Tab) -> None:
    demo = tab.demo
    case_id = a_case_of_a_counsellor_who_then_left(demo, "nora")
    tab.sign_in("lead")  # "Team" is the lead's first page
    page = tab.page

    expect(page.locator("#left-with-cases")).to_have_text(
        "Nicht mehr aktiv, mit offenen Fällen: nora (1 offener Fall). Niemand bearbeitet diese Fälle und ihre Fristen;"
        " bitte unten neu zuweisen."
    )
    rows = {row[0]: row[1] for row in table_rows(page, "#caseload-table")}
    assert rows["nora nicht mehr aktiv"] == "1"
    offered = page.get_by_label("Neue Beratung").locator("option").all_inner_texts()
    staff = demo.api("lead", "/staff", active="true")["items"]
    assignable = [member["subject"] for member in staff if member["role"] in ("counsellor", "lead")]
    assert offered[1:] == [
        f"{subject} ({'Teamleitung' if subject == 'petra' else 'Beratung'})" for subject in assignable
    ]
    assert not any(text.startswith("nora") for text in offered)
    tab.screenshot("team-ausgeschieden")

    page.get_by_label("Bisherige Beratung").select_option("nora")
    page.get_by_label("Fall", exact=True).select_option(case_id)
    page.get_by_label("Neue Beratung").select_option("maria")
    page.get_by_role("button", name="Zuweisen").click()

    expect(page.locator("#reassign-status")).to_have_text("Fall Dariusz Nowak ist jetzt bei maria.")
    assert demo.api("lead", f"/cases/{case_id}")["counsellor"] == "maria"
    expect(page.locator("#left-with-cases")).to_have_count(0)
    assert "nora" not in " ".join(row[0] for row in table_rows(page, "#caseload-table"))
