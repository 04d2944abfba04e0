"""Privacy over HTTP: every read of a case by every role lands in the read-access log that auditors query; a lost
key is a clear problem, never garbage; consent decides over special categories, now and in past states."""

from typing import Any

import msgspec
import pytest

from application.ports import Principal
from domain.steps import OpenCase
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.api.conftest import Tokens
from tests.api.helpers import (
    ANALYST,
    AUDITOR,
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    OTHER_COUNSELLOR,
    PERSONAL_SHOWN,
    Client,
    Json,
    assert_problem,
    case_body,
    open_case,
    session_step,
)
from tests.raw_store import change_keys

LOG = "/audit/access-log"


async def access_log(client: Client, tokens: Tokens, who: Principal = AUDITOR, **params: Any) -> Json:
    response = await client.get(LOG, params=params, headers=tokens.headers(who))
    assert response.status_code == 200, response.text
    page: Json = response.json()
    return page


def reads(page: Json) -> list[tuple[str, str, str, str, bool]]:
    return [(i["subject"], i["role"], i["agency"], i["what"], i["personal_data"]) for i in page["items"]]


async def test_every_read_by_every_role_is_logged_before_it_is_answered(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    path = f"/cases/{case['id']}"
    assert (await access_log(client, tokens))["items"] == []  # a write is in the event log, not here

    for who, url, params in (
        (COUNSELLOR, path, {}),
        (LEAD, path, {"as_of_version": "1"}),
        (AUDITOR, f"{path}/history", {}),
        (FUNDER_AUDITOR, path, {"as_of": "2026-06-01T08:00:00Z"}),
    ):
        response = await client.get(url, params=params, headers=tokens.headers(who))
        assert response.status_code == 200, response.text
    for who, status in ((ANALYST, 403), (OTHER_COUNSELLOR, 404)):  # refused reads show nothing: nothing to log
        assert_problem(await client.get(path, headers=tokens.headers(who)), status)

    page = await access_log(client, tokens)

    assert reads(page) == [
        ("fritz", "auditor", "*", "state?as_of=2026-06-01T08:00:00+00:00", False),
        ("otto", "auditor", "koeln", "history", False),
        ("lea", "lead", "koeln", "state?as_of_version=1", True),
        ("ayse", "counsellor", "koeln", "state", True),
    ]
    assert {item["case_id"] for item in page["items"]} == {case["id"]}
    assert {item["case_agency"] for item in page["items"]} == {"koeln"}
    assert all(item["at"].endswith("Z") for item in page["items"])
    assert page["next_cursor"] is None


async def test_an_auditor_sees_the_reads_of_her_agencys_cases(client: Client, tokens: Tokens) -> None:
    koeln = await open_case(client, tokens.headers(COUNSELLOR))
    bonn = await open_case(client, tokens.headers(OTHER_COUNSELLOR), counsellor="carla")
    await client.get(f"/cases/{koeln['id']}", headers=tokens.headers(COUNSELLOR))
    await client.get(f"/cases/{bonn['id']}/history", headers=tokens.headers(OTHER_COUNSELLOR))
    await client.get(f"/cases/{bonn['id']}", headers=tokens.headers(FUNDER_AUDITOR))

    assert [i["case_id"] for i in (await access_log(client, tokens))["items"]] == [koeln["id"]]
    everything = await access_log(client, tokens, FUNDER_AUDITOR)
    assert [i["subject"] for i in everything["items"]] == ["fritz", "carla", "ayse"]
    only_bonn = await access_log(client, tokens, FUNDER_AUDITOR, agency="bonn")
    assert [(i["subject"], i["case_agency"]) for i in only_bonn["items"]] == [("fritz", "bonn"), ("carla", "bonn")]
    # An agency's auditor cannot widen her view by naming another agency.
    assert [i["case_id"] for i in (await access_log(client, tokens, agency="bonn"))["items"]] == [koeln["id"]]


async def test_the_access_log_filters_and_pages_newest_first(client: Client, tokens: Tokens) -> None:
    first = await open_case(client, tokens.headers(COUNSELLOR))
    second = await open_case(client, tokens.headers(COUNSELLOR))
    for case in (first, second, first, second, first):
        await client.get(f"/cases/{case['id']}", headers=tokens.headers(COUNSELLOR))
    await client.get(f"/cases/{second['id']}", headers=tokens.headers(LEAD))

    assert len((await access_log(client, tokens, case_id=first["id"]))["items"]) == 3
    assert reads(await access_log(client, tokens, subject="lea")) == [("lea", "lead", "koeln", "state", True)]
    pages, cursor = [], None
    while True:
        page = await access_log(client, tokens, limit=4, **({"cursor": cursor} if cursor else {}))
        pages.append([item["id"] for item in page["items"]])
        if (cursor := page["next_cursor"]) is None:
            break
    ids = [entry for page_ids in pages for entry in page_ids]
    assert [len(page_ids) for page_ids in pages] == [4, 2]
    assert ids == sorted(ids, reverse=True)
    for bad in ({"cursor": "x1"}, {"limit": "0"}, {"case_id": "not-a-uuid"}, {"subject": "ä"}):
        assert_problem(await client.get(LOG, params=bad, headers=tokens.headers(AUDITOR)), 422)


@pytest.mark.parametrize("who", [COUNSELLOR, LEAD, ANALYST], ids=lambda who: who.role)
async def test_only_auditors_read_the_access_log(client: Client, tokens: Tokens, who: Principal) -> None:
    assert_problem(await client.get(LOG, headers=tokens.headers(who)), 403)
    assert_problem(await client.get(LOG), 401)


async def test_a_case_whose_key_is_lost_is_a_clear_problem_not_garbage(
    client: Client, tokens: Tokens, settings: Settings
) -> None:
    # Opened by another process: this app has never held the case or its key.
    other = bootstrap(settings)
    try:
        case_id = str(other.cases.open_case("koeln", case_body_command(), "ayse").case.id)
    finally:
        other.close()
    change_keys(settings, "DELETE FROM {keys} WHERE case_id = ?", (case_id,))

    for url in (f"/cases/{case_id}", f"/cases/{case_id}/history"):
        problem = assert_problem(await client.get(url, headers=tokens.headers(COUNSELLOR)), 500, rule="key_missing")
        assert problem["type"] == "/problems/key-store"
        assert f"holds no key for case {case_id}" in problem["detail"]
    as_auditor = await client.get(f"/cases/{case_id}", headers=tokens.headers(AUDITOR))  # never opens the data
    assert as_auditor.status_code == 200, as_auditor.text
    assert as_auditor.json()["personal"] is None
    assert as_auditor.json()["personal_data_erased"] is False
    erased = await client.delete(f"/cases/{case_id}/personal-data", headers=tokens.headers(LEAD))
    assert erased.status_code == 204  # erasure needs no key
    assert (await client.get(f"/cases/{case_id}", headers=tokens.headers(COUNSELLOR))).json()["personal"] is None


def case_body_command() -> OpenCase:
    return msgspec.convert(case_body(), OpenCase)


async def test_special_categories_need_consent_and_withdrawal_reaches_back(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    with_disability = case_body()
    with_disability["profile"] = {**with_disability["profile"], "disability": "yes", "minority": "yes"}
    refused = await client.post("/cases", json=with_disability, headers=headers)
    problem = assert_problem(refused, 422, rule="special_category_needs_consent")
    assert {error["field"] for error in problem["errors"]} == {"profile.disability"}

    with_disability["consent"] = {"special_categories": True}
    case = (await client.post("/cases", json=with_disability, headers=headers)).json()
    assert (case["profile"]["disability"], case["profile"]["minority"]) == ("yes", "yes")
    withdrawn = await client.post(
        f"/cases/{case['id']}/steps",
        json={"type": "consent_changed", "date": "2026-01-06", "special_categories": False},
        headers=headers,
    )
    assert withdrawn.status_code == 201, withdrawn.text
    assert withdrawn.json()["profile"]["disability"] == "unknown"
    again = await client.post(
        f"/cases/{case['id']}/steps",
        json={"type": "profile_corrected", "date": "2026-01-07", "profile": {"minority": "no"}},
        headers=headers,
    )
    assert_problem(again, 422, rule="special_category_needs_consent")

    for who in (COUNSELLOR, AUDITOR):
        past = await client.get(f"/cases/{case['id']}", params={"as_of_version": 1}, headers=tokens.headers(who))
        assert (past.json()["profile"]["disability"], past.json()["profile"]["minority"]) == ("unknown", "unknown")
        history = await client.get(f"/cases/{case['id']}/history", headers=tokens.headers(who))
        opened = history.json()["events"][0]["data"]["profile"]
        assert (opened["disability"], opened["minority"]) == ("unknown", "unknown")


async def test_after_erasure_every_role_reads_the_personal_data_as_null(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    noted = await client.post(
        f"/cases/{case['id']}/steps", json=session_step(note="a private note"), headers=tokens.headers(COUNSELLOR)
    )
    assert noted.status_code == 201
    assert case["personal"] == PERSONAL_SHOWN

    assert (await client.delete(f"/cases/{case['id']}/personal-data", headers=tokens.headers(LEAD))).status_code == 204

    for who in (COUNSELLOR, LEAD, AUDITOR, FUNDER_AUDITOR):
        now = (await client.get(f"/cases/{case['id']}", headers=tokens.headers(who))).json()
        assert (now["personal"], now["personal_data_erased"]) == (None, True)
        history = (await client.get(f"/cases/{case['id']}/history", headers=tokens.headers(who))).json()["events"]
        assert (history[0]["data"]["personal"], history[1]["data"]["note"]) == (None, None)
        assert history[1]["withheld"] == ["note", "topics"]  # erased for her too, not empty
    logged = await access_log(client, tokens, case_id=case["id"])
    assert not any(item["personal_data"] for item in logged["items"])  # nothing personal was shown after erasure


async def test_a_reader_without_personal_data_is_told_which_fields_are_withheld_from_her(
    client: Client, tokens: Tokens
) -> None:
    """An auditor reads a session's topics and note as null: `withheld` names them, so an empty field (no note was
    written) is not mistaken for one she may not see; a counsellor's entries carry no `withheld`."""
    case = await open_case(client, tokens.headers(COUNSELLOR))
    steps = [session_step(note="a private note"), session_step(day="2026-01-08", topics=[])]
    for step in steps:
        recorded = await client.post(f"/cases/{case['id']}/steps", json=step, headers=tokens.headers(COUNSELLOR))
        assert recorded.status_code == 201, recorded.text

    for who in (AUDITOR, FUNDER_AUDITOR):
        events = (await client.get(f"/cases/{case['id']}/history", headers=tokens.headers(who))).json()["events"]
        assert [event.get("withheld") for event in events] == [
            ["personal", "profile.target_occupation"],
            ["note", "topics"],
            ["note", "topics"],
        ]
        assert events[1]["data"]["note"] is None
    counselling = (await client.get(f"/cases/{case['id']}/history", headers=tokens.headers(COUNSELLOR))).json()
    assert not any("withheld" in event for event in counselling["events"])
    assert counselling["events"][1]["data"]["note"] == "a private note"
