"""Each page shows the figures the API returns to the signed-in role."""

import json
import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Tab
from tests.browser.helpers import (
    FUNNEL_STAGES,
    GENDER_COLUMNS,
    PATHWAYS,
    STAGES,
    SUPPRESSED,
    ZONE,
    figure,
    local_today,
    short,
    table_rows,
)


def closed_case_with_its_follow_up_due_soon(demo: Demo, name: str) -> str:
    """A case of ayse's, closed 170 days ago: its six-month follow-up falls due within the next 30 days."""
    headers = {"Authorization": f"Bearer {demo.tokens['counsellor']}"}
    today = local_today()
    profile = {"gender": "female", "labour_status": "unemployed", "isced": 3, "foreign_background": True,
               "third_country_national": False, "birth_year": 1990}  # fmt: skip
    opened = httpx.post(
        f"{demo.base}/cases",
        headers=headers,
        json={
            "first_contact_on": (today - timedelta(days=175)).isoformat(),
            "channel": "phone",
            "referral_source": "self",
            "profile": profile,
            "personal": {"name": name},
        },
        timeout=30,
    )
    assert opened.status_code == 201, opened.text
    situation = {"job_searching": False, "in_education_or_training": False, "qualification_gained": False,
                 "employed": True}  # fmt: skip
    closed = httpx.post(
        f"{demo.base}/cases/{opened.json()['id']}/steps",
        headers=headers,
        json={
            "type": "case_closed",
            "date": (today - timedelta(days=170)).isoformat(),
            "reason": "employment",
            "situation": situation,
        },
        timeout=30,
    )
    assert closed.status_code == 201, closed.text
    demo.wait_for_views()
    case_id: str = opened.json()["id"]
    return case_id


def test_my_cases_show_the_counsellors_caseload_and_deadlines(tab: Tab) -> None:
    demo = tab.demo
    closed_id = closed_case_with_its_follow_up_due_soon(demo, "Rosa Nachbefragt")
    tab.sign_in("counsellor")
    page = tab.page

    [caseload] = demo.api("counsellor", "/caseload")
    deadlines = demo.api("counsellor", "/deadlines")
    open_cases = demo.all_pages("counsellor", "/cases", counsellor="ayse", status="open")
    assert figure(page.locator("[data-figure=open]").inner_text()) == caseload["open"] == len(open_cases)
    assert figure(page.locator("[data-figure=overdue]").inner_text()) == caseload["overdue"]
    by_stage = {row[0]: figure(row[1]) for row in table_rows(page, "#by-stage")}
    assert by_stage == {STAGES[stage]: count for stage, count in caseload["by_stage"].items()}
    # Each case by the client's name (a counsellor's list shows names), and its short id beside it.
    assert {(row[0], row[1]) for row in table_rows(page, "#open-cases")} == {
        (item["name"], short(item["id"])) for item in open_cases
    }
    names = {item["id"]: item["name"] for item in demo.all_pages("counsellor", "/cases", counsellor="ayse")}
    overdue = [(names[item["case_id"]], short(item["case_id"])) for item in deadlines if item["overdue"]]
    assert [(row[0], row[1]) for row in table_rows(page, "#overdue-deadlines")] == overdue
    # Due within 30 days: by name, closed cases' follow-ups too. Due later: a closed case's name is not fetched (each
    # name shown is a read in the access log), so only open cases show theirs there.
    horizon = (local_today() + timedelta(days=30)).isoformat()
    upcoming = [item for item in deadlines if not item["overdue"] and item["due"] <= horizon]
    later = [item for item in deadlines if not item["overdue"] and item["due"] > horizon]
    open_names = {item["id"]: item["name"] for item in open_cases}
    assert [(row[0], row[1]) for row in table_rows(page, "#upcoming-deadlines")] == [
        (names[item["case_id"]], short(item["case_id"])) for item in upcoming
    ]
    assert ("Rosa Nachbefragt", short(closed_id)) in [
        (row[0], row[1]) for row in table_rows(page, "#upcoming-deadlines")
    ]
    assert [(row[0], row[1]) for row in table_rows(page, "#later-deadlines")] == [
        (open_names.get(item["case_id"], "–"), short(item["case_id"])) for item in later
    ]
    assert tab.unlabelled_controls() == []
    tab.screenshot("meine-faelle", readme=True)


def test_a_case_opens_as_a_timeline_of_who_recorded_what_when(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("counsellor")
    page = tab.page
    first = page.locator("#open-cases tbody a").first
    case_id = (first.get_attribute("href") or "").rsplit("/", 1)[-1]

    with tab.navigating():
        first.click()

    case = demo.api("counsellor", f"/cases/{case_id}")
    history = demo.api("counsellor", f"/cases/{case_id}/history")
    expect(page.locator("#page h1")).to_have_text(f"Fall: {case['personal']['name']}")
    entries = page.locator("#timeline > li")
    assert [int(version) for version in entries.evaluate_all("(items) => items.map((i) => i.dataset.version)")] == [
        event["version"] for event in history["events"]
    ]
    assert page.locator("#timeline .who").all_inner_texts() == [event["recorded_by"] for event in history["events"]]
    state = page.locator("#case-state")
    assert state.locator("h3").inner_text() == f"Aktueller Stand (Version {case['version']})"
    assert case["personal"]["name"] in state.inner_text()  # a counsellor reads the client's name
    assert STAGES[case["stage"]] in state.inner_text()
    assert page.locator("#as-of-form").count() == 0  # replaying versions is the auditors' tool
    tab.screenshot("fallverlauf")


def test_an_auditor_views_a_case_as_of_a_version_and_verifies_the_log(tab: Tab) -> None:
    demo = tab.demo
    # A case with versions after version 2 (not one a test closed at its second step).
    closed = next(item for item in demo.all_pages("auditor", "/cases", status="closed") if item["version"] > 3)
    tab.sign_in("auditor")
    tab.open(f"#/fallverlauf/{closed['id']}")
    page = tab.page
    state = page.locator("#case-state")
    assert "Name" not in state.locator("dt").all_inner_texts()  # no personal data for auditors

    page.get_by_label(re.compile("Stand bei Version")).fill("2")
    page.get_by_role("button", name="Stand anzeigen").click()

    as_of = demo.api("auditor", f"/cases/{closed['id']}", as_of_version=2)
    expect(state.locator("h3")).to_have_text(f"Stand bei Version 2 von {closed['version']}")
    assert STAGES[as_of["stage"]] in state.inner_text()
    later = page.locator("#timeline > li.later")
    assert later.count() == closed["version"] - 2

    page.get_by_role("button", name="Ereignisprotokoll jetzt prüfen").click()
    page.wait_for_selector("#verification-figures")
    report = demo.api("auditor", "/audit/verify")
    assert report["ok"]
    assert "Unverändert" in page.locator("#verification").inner_text()
    figures = dict(
        zip(
            page.locator("#verification-figures dt").all_inner_texts(),
            page.locator("#verification-figures dd").all_inner_texts(),
            strict=True,
        )
    )
    assert figure(figures["Geprüfte Ereignisse"]) == report["events_checked"]
    assert figure(figures["Bis Position"]) == report["position"]
    assert figures["Kettenkopf"] == report["head"]
    assert figure(figures["Geprüfte Prüfpunkte"]) == report["checkpoints_checked"] >= 1
    assert tab.unlabelled_controls() == []
    tab.screenshot("fallverlauf-pruefung", readme=True)


def test_an_auditor_is_told_which_fields_of_a_step_are_withheld_from_her_role(tab: Tab) -> None:
    """A session's topics and note read "nicht sichtbar für Ihre Rolle" for her, not as if nothing had been written."""
    demo = tab.demo
    case = next(item for item in demo.all_pages("auditor", "/cases", status="open") if item["version"] > 2)
    events = demo.api("auditor", f"/cases/{case['id']}/history")["events"]
    session = next(event for event in events if event["type"] == "counselling_session_held")
    assert session["withheld"] == ["note", "topics"]
    tab.sign_in("auditor")
    tab.open(f"#/fallverlauf/{case['id']}")

    item = tab.page.locator(f"#timeline > li[data-version='{session['version']}']")
    withheld = item.locator("dl.details .withheld")
    expect(withheld).to_have_count(2)
    expect(withheld.locator("dt")).to_have_text(["Themen", "Notiz"])
    expect(withheld.locator("dd")).to_have_text(["nicht sichtbar für Ihre Rolle"] * 2)
    shown = item.locator("dl.details > div:not(.withheld)")
    expect(shown.filter(has_text="Minuten").locator("dd")).to_have_text(str(session["data"]["minutes"]))


def test_an_auditor_views_a_case_as_it_was_recorded_at_an_instant(tab: Tab) -> None:
    """The instant is the recording's (the timeline's "erfasst … am"), given in the browser's local time."""
    demo = tab.demo
    case = next(item for item in demo.all_pages("counsellor", "/cases", counsellor="jonas", status="open"))
    before = demo.api("auditor", f"/cases/{case['id']}")["version"]
    # The instant: the next full second, after every event so far and before the step recorded just after it.
    boundary = datetime.now(ZONE).replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(max(0.0, (boundary - datetime.now(ZONE)).total_seconds()) + 0.2)
    session = {"type": "counselling_session_held", "date": local_today().isoformat(), "minutes": 20}
    demo.post("counsellor", f"/cases/{case['id']}/steps", session)
    tab.expect_console_error("status of 404")  # the instant before the first contact
    tab.sign_in("auditor")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page
    state = page.locator("#case-state")

    page.get_by_label("Stand, wie er erfasst war am").fill(boundary.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Stand zum Zeitpunkt anzeigen").click()

    expect(state.locator("h3")).to_have_text(f"Stand bei Version {before} von {before + 1}")
    expect(page.locator("#timeline > li.later")).to_have_count(1)

    page.get_by_label("Stand, wie er erfasst war am").fill("2001-01-01T09:00:00")
    page.get_by_role("button", name="Stand zum Zeitpunkt anzeigen").click()
    expect(page.locator("#as-of-instant-form [role=alert]")).to_have_text(
        "Am 01.01.2001, 09:00 war der Fall noch nicht erfasst: Sein Erstkontakt wurde später gespeichert."
    )
    expect(state.locator("h3")).to_have_text(f"Stand bei Version {before} von {before + 1}")  # unchanged


def test_a_log_verified_without_a_signed_checkpoint_is_not_called_unaltered(tab: Tab) -> None:
    case = tab.demo.all_pages("auditor", "/cases")[0]
    answer = {**tab.demo.api("auditor", "/audit/verify"), "checkpoints_checked": 0}  # a store before its first one
    tab.page.route(
        "**/audit/verify",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(answer)),
    )
    tab.sign_in("auditor")
    tab.open(f"#/fallverlauf/{case['id']}")

    tab.page.get_by_role("button", name="Ereignisprotokoll jetzt prüfen").click()

    verdict = tab.page.locator("#verification #no-checkpoint")
    expect(verdict).to_contain_text("noch keinen signierten Prüfpunkt")
    expect(verdict).to_contain_text("lotse audit checkpoint")
    assert "Unverändert" not in tab.page.locator("#verification").inner_text()
    tab.screenshot("pruefung-ohne-pruefpunkt")


def test_the_team_page_shows_each_counsellors_caseload_and_the_overdue_items(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("lead")
    page = tab.page

    caseload = demo.api("lead", "/caseload")
    deadlines = demo.api("lead", "/deadlines")
    shown = {row[0]: [figure(cell) for cell in row[1:]] for row in table_rows(page, "#caseload-table")}
    assert shown == {
        entry["counsellor"]: [
            entry["open"],
            *(entry["by_stage"].get(stage, 0) for stage in list(STAGES)[:-1]),
            entry["overdue"],
        ]
        for entry in caseload
    }
    overdue = [(short(item["case_id"]), item["counsellor"]) for item in deadlines if item["overdue"]]
    assert [(row[0], row[4]) for row in table_rows(page, "#team-overdue-deadlines")] == overdue
    expect(page.locator("#overdue-names-hint")).to_be_visible()  # the whole team's list reads no client's name
    assert tab.unlabelled_controls() == []
    tab.screenshot("team", readme=True)

    page.get_by_label("Beratung", exact=True).select_option("jonas")
    jonas = [(case, counsellor) for case, counsellor in overdue if counsellor == "jonas"]
    assert jonas
    expect(page.locator("#team-overdue-deadlines thead th").first).to_have_text("Name")
    expect(page.locator("#team-overdue-deadlines tbody tr")).to_have_count(len(jonas))
    rows = table_rows(page, "#team-overdue-deadlines")
    assert [(row[1], row[5]) for row in rows] == jonas
    # Her client's name first: an open case's from her case list, a closed case's (its follow-up) where read.
    names = {short(item["id"]): item["name"] for item in demo.all_pages("lead", "/cases", counsellor="jonas")}
    assert all(row[0] == names[row[1]] for row in rows if row[0] != "–")
    assert any(row[0] != "–" for row in rows)
    count = len(overdue)
    expect(page.get_by_label("Beratung", exact=True).locator("option").first).to_have_text(
        f"alle ({count:,})".replace(",", ".")
    )


def test_a_lead_reassigns_a_case_to_another_counsellor(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("lead")
    page = tab.page

    page.get_by_label("Bisherige Beratung").select_option("maria")
    case_select = page.get_by_label("Fall", exact=True)
    expect(case_select).to_be_enabled()
    case_id = case_select.locator("option").nth(1).get_attribute("value")
    assert case_id
    case_select.select_option(case_id)
    page.get_by_label("Neue Beratung").select_option("jonas")
    page.get_by_label("Grund (freiwillig)").fill("Urlaubsvertretung")
    page.get_by_role("button", name="Zuweisen").click()

    expect(page.locator("#reassign-status")).to_contain_text("ist jetzt bei jonas.")
    case = demo.api("lead", f"/cases/{case_id}")
    assert page.locator("#reassign-status").inner_text() == f"Fall {case['personal']['name']} ist jetzt bei jonas."
    assert case["counsellor"] == "jonas"
    last = demo.api("lead", f"/cases/{case_id}/history")["events"][-1]
    assert (last["type"], last["recorded_by"], last["data"]["reason"]) == (
        "counsellor_assigned",
        "petra",
        "Urlaubsvertretung",
    )
    demo.wait_for_views()
    page.wait_for_load_state("networkidle")
    shown = {row[0]: figure(row[1]) for row in table_rows(page, "#caseload-table")}
    assert shown == {entry["counsellor"]: entry["open"] for entry in demo.api("lead", "/caseload")}


def test_the_funder_statistics_show_the_exact_figures_with_their_proof(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("auditor")
    tab.open("#/foerderstatistik?von=2025-01-01&bis=2025-12-31&basis=entry")
    page = tab.page
    period = {"from": "2025-01-01", "to": "2025-12-31"}

    esf = demo.api("auditor", "/statistics/esf", basis="entry", **period)
    exits = demo.api("auditor", "/statistics/esf", basis="exit", **period)
    funnel = demo.api("auditor", "/statistics/funnel")
    assert figure(page.locator("#esf-position").inner_text()) == esf["as_of_position"]
    assert page.locator("#esf-digest").inner_text() == esf["digest"]
    assert esf_table(tab) == esf["indicators"]
    assert SUPPRESSED not in page.locator("#esf-table").inner_text()  # an auditor sees exact figures
    assert funnel_table(tab) == {
        PATHWAYS[name]: [row["reached"][stage] for stage in FUNNEL_STAGES] for name, row in funnel["pathways"].items()
    }
    monthly = [
        demo.api(
            "auditor",
            "/statistics/esf",
            basis="entry",
            **{"from": f"2025-{month:02d}-01", "to": month_end(2025, month)},
        )
        for month in range(1, 13)
    ]
    assert [figure(row[1]) for row in table_rows(page, "#entries-table")] == [
        answer["indicators"]["EECO01"]["total"] for answer in monthly
    ]
    assert [figure(row[1]) for row in table_rows(page, "#outcomes-table")] == [
        exits["indicators"][code]["total"] for code in ("EECR01", "EECR02", "EECR03", "EECR04")
    ]
    assert page.locator("canvas").count() == 3
    assert tab.unlabelled_controls() == []
    tab.screenshot("foerderstatistik", readme=True)
    page.get_by_role("heading", name="Eintritte je Monat").evaluate("(heading) => heading.scrollIntoView()")
    tab.screenshot("foerderstatistik-diagramme", readme=True)


def test_the_statistics_download_as_the_api_answers_them_in_csv(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("auditor")
    tab.open("#/foerderstatistik?von=2026-01-01&bis=2026-06-30&basis=exit")
    page = tab.page

    with page.expect_download() as download:
        page.get_by_role("button", name="ESF+-Indikatoren als CSV").click()

    saved = download.value
    assert saved.suggested_filename == "esf-indikatoren_2026-01-01_2026-06-30_exit.csv"
    csv = demo.api(
        "auditor", "/statistics/esf", accept="text/csv", basis="exit", **{"from": "2026-01-01", "to": "2026-06-30"}
    )
    assert Path(saved.path()).read_text(encoding="utf-8") == csv


def esf_table(tab: Tab) -> dict[str, dict[str, int | None]]:
    """The indicators as the page shows them; a cell "–" has no figure (EECO19 counts enterprises, not by gender)."""
    return {
        row[0].split()[0]: {
            column: figure(text) for column, text in zip(GENDER_COLUMNS, row[1:], strict=True) if text != "–"
        }
        for row in table_rows(tab.page, "#esf-table")
    }


def funnel_table(tab: Tab) -> dict[str, list[int | None]]:
    return {row[0]: [figure(cell) for cell in row[1:]] for row in table_rows(tab.page, "#funnel-table")}


def month_end(year: int, month: int) -> str:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - timedelta(days=1)).isoformat()


def test_an_activity_report_of_an_empty_period_withholds_nothing_and_a_bad_date_is_named(tab: Tab) -> None:
    tab.sign_in("lead")
    tab.open("#/taetigkeitsbericht?von=1990-01-01&bis=1990-12-31")

    assert (
        tab.demo.api("lead", "/statistics/activity", **{"from": "1990-01-01", "to": "1990-12-31"})["persons_counselled"]
        == 0
    )
    share = tab.page.locator('[data-figure="share"]')
    expect(share).to_have_text("–")  # a share of nobody, not a figure withheld from a lead
    assert tab.page.locator("#activity-figures .suppressed").count() == 0

    tab.open("#/taetigkeitsbericht?von=abc&bis=1990-12-31")

    expect(tab.page.get_by_role("alert")).to_contain_text("Das Datum „von“ ist kein Tag")


def test_the_activity_report_shows_what_the_desk_did_with_its_languages_charted(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("lead")
    period = {"from": "2020-01-01", "to": local_today().isoformat()}
    tab.open(f"#/taetigkeitsbericht?von={period['from']}&bis={period['to']}")
    page = tab.page

    report = demo.api("lead", "/statistics/activity", **period)
    assert report["sessions"]["total"] > 0
    assert len(report["sessions"]["by_language"]) > 1  # the demo counsels in several languages
    shown = {row[0]: (figure(row[1]), figure(row[2])) for row in table_rows(page, "#languages-table")}
    assert sorted(shown.values()) == sorted(
        (numbers["sessions"], numbers["with_interpreter"]) for numbers in report["sessions"]["by_language"].values()
    )
    assert "Türkisch" in shown
    assert figure(page.locator('[data-figure="sessions"]').inner_text()) == report["sessions"]["total"]
    assert figure(page.locator('[data-figure="persons"]').inner_text()) == report["persons_counselled"]
    assert page.locator("#languages-chart canvas").count() == 1
    assert tab.unlabelled_controls() == []
    tab.screenshot("taetigkeitsbericht", readme=True)


def test_a_case_shows_its_qualification_plan_with_each_items_status(tab: Tab) -> None:
    demo = tab.demo
    planned = next(
        case
        for item in demo.all_pages("counsellor", "/cases", counsellor="ayse")
        if (case := demo.api("counsellor", f"/cases/{item['id']}"))["plan"] is not None
    )
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{planned['id']}")
    page = tab.page

    rows = table_rows(page, "#plan-table")
    assert [row[0] for row in rows] == [item["item_id"] for item in planned["plan"]["items"]]
    assert [row[4].split(" am ")[0] for row in rows] == [
        {"open": "offen", "done": "erledigt", "overdue": "überfällig"}[item["status"]]
        for item in planned["plan"]["items"]
    ]
    assert [row[2] for row in rows] == [item["description"] for item in planned["plan"]["items"]]
    tab.screenshot("fallverlauf-plan")
