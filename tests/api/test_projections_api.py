"""Caseloads, deadlines and funder statistics over HTTP: roles, read-your-writes, as-of replays, CSV, suppression."""

import csv
import dataclasses
import io
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from application.statistics import COLUMNS, CURRENT_DEFINITION, DEFINITION_0_1
from domain.indicators import CODES, OUTPUT_CODES, RESULT_CODES
from infrastructure.settings import Settings
from tests.api.conftest import FixedClock, Tokens, build_app
from tests.api.helpers import (
    ANALYST,
    AUDITOR,
    CLOSING,
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    OTHER_COUNSELLOR,
    SECOND_COUNSELLOR,
    Client,
    Json,
    assert_problem,
    case_body,
    log_position,
    session_step,
)

PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}


async def record(client: Client, tokens: Tokens) -> int:
    """Seven women and two men at koeln (ayse holds six, ben three), one case at bonn; answers the last position."""
    position = 0
    for index in range(9):
        who = COUNSELLOR if index < 6 else SECOND_COUNSELLOR
        gender = "female" if index < 7 else "male"
        body = case_body(counsellor=who.subject, profile={**case_body()["profile"], "gender": gender})
        opened = await client.post("/cases", json=body, headers=tokens.headers(who))
        assert opened.status_code == 201, opened.text
        position = int(opened.headers["lotse-position"])
        if index < 3:
            closed = await client.post(f"/cases/{opened.json()['id']}/steps", json=CLOSING, headers=tokens.headers(who))
            position = int(closed.headers["lotse-position"])
    bonn = await client.post("/cases", json=case_body(counsellor="carla"), headers=tokens.headers(OTHER_COUNSELLOR))
    return max(position, int(bonn.headers["lotse-position"]))


async def get(client: Client, path: str, who: Any, tokens: Tokens, **params: Any) -> Any:
    response = await client.get(path, params=params, headers=tokens.headers(who))
    assert response.status_code == 200, response.text
    return response.json()


async def test_caseloads_read_their_writes(client: Client, tokens: Tokens) -> None:
    position = await record(client, tokens)

    team = await get(client, "/caseload", LEAD, tokens, min_position=position)

    assert {row["counsellor"]: row["open"] for row in team} == {"ayse": 3, "ben": 3}
    assert all(row["by_stage"] == {"first_contact": row["open"]} for row in team)
    mine = await get(client, "/caseload", COUNSELLOR, tokens, min_position=position)
    assert [row["counsellor"] for row in mine] == ["ayse"]
    refused = await client.get("/caseload", params={"counsellor": "ben"}, headers=tokens.headers(COUNSELLOR))
    assert_problem(refused, 403)


async def test_deadlines_list_the_due_items_of_the_agency(client: Client, tokens: Tokens) -> None:
    position = await record(client, tokens)

    items = await get(client, "/deadlines", LEAD, tokens, min_position=position)

    kinds = sorted(item["kind"] for item in items)
    assert kinds == ["follow_up"] * 3 + ["no_contact"] * 6
    assert {item["kind"] for item in items if item["overdue"]} == {"no_contact"}  # opened in January, today is June
    mine = await get(client, "/deadlines", COUNSELLOR, tokens, min_position=position)
    assert {item["counsellor"] for item in mine} == {"ayse"}
    soon = await get(client, "/deadlines", LEAD, tokens, due_before="2026-04-01", min_position=position)
    assert {item["kind"] for item in soon} == {"no_contact"}
    assert_problem(await client.get("/deadlines", headers=tokens.headers(ANALYST)), 403)


async def test_esf_statistics_carry_their_proof_and_replay_identically(client: Client, tokens: Tokens) -> None:
    position = await record(client, tokens)

    live = await get(client, "/statistics/esf", AUDITOR, tokens, basis="entry", min_position=position, **PERIOD)

    # The entry basis answers the output indicators only, EECO19 (enterprises: a total alone) after them.
    assert list(live["indicators"]) == [*OUTPUT_CODES, "EECO19"]
    assert all(set(row) == set(COLUMNS) for code, row in live["indicators"].items() if code != "EECO19")
    assert live["indicators"]["EECO19"] == {"total": 0}
    assert live["indicators"]["EECO01"] == {"female": 7, "male": 2, "diverse": 0, "unspecified": 0, "total": 9}
    assert live["as_of_position"] >= position
    assert len(live["digest"]) == 64
    assert live["definition_version"] == CURRENT_DEFINITION
    assert live["suppressed"] == []
    assert "follow_up_response" not in live
    replayed = await get(
        client, "/statistics/esf", AUDITOR, tokens, basis="entry", as_of_position=live["as_of_position"], **PERIOD
    )
    assert replayed == live


async def test_esf_exit_basis_counts_the_leavers(client: Client, tokens: Tokens) -> None:
    position = await record(client, tokens)

    leavers = await get(client, "/statistics/esf", LEAD, tokens, basis="exit", min_position=position, **PERIOD)

    assert list(leavers["indicators"]) == list(RESULT_CODES)  # the exit basis answers the result indicators only
    assert leavers["indicators"]["EECR01"]["female"] == 3
    assert leavers["indicators"]["EECR03"]["total"] == 3
    assert leavers["indicators"]["EECR05"]["total"] == 0
    # Closed in May: the follow-up six months on is not due yet, and is missing for all three.
    assert leavers["follow_up_response"] == {"due": 3, "reached": 0, "unreachable": 0, "refused": 0, "missing": 3}
    replayed = await get(
        client, "/statistics/esf", LEAD, tokens, basis="exit", as_of_position=leavers["as_of_position"], **PERIOD
    )
    assert replayed == leavers


async def test_figures_under_release_0_1s_definition_answer_every_code_on_both_bases(
    client: Client, tokens: Tokens
) -> None:
    position = await record(client, tokens)
    await get(client, "/caseload", LEAD, tokens, min_position=position)  # the log has all of it

    old = {
        basis: await get(
            client, "/statistics/esf", AUDITOR, tokens, basis=basis, definition_version=DEFINITION_0_1, **PERIOD
        )
        for basis in ("entry", "exit")
    }

    for basis, answer in old.items():
        assert answer["definition_version"] == DEFINITION_0_1
        assert list(answer["indicators"]) == list(CODES), basis
        assert "follow_up_response" not in answer  # 0.1 answered no such field
    assert old["entry"]["indicators"]["EECR03"]["total"] == 3  # 0.1 counted results on the entry basis too
    assert old["exit"]["indicators"]["EECO01"]["total"] == 3
    again = await get(
        client,
        "/statistics/esf",
        AUDITOR,
        tokens,
        basis="exit",
        definition_version=DEFINITION_0_1,
        as_of_position=old["exit"]["as_of_position"],
        **PERIOD,
    )
    assert again == old["exit"]


async def test_an_unknown_definition_is_refused_naming_the_parameter(client: Client, tokens: Tokens) -> None:
    response = await client.get(
        "/statistics/esf", params={**PERIOD, "definition_version": "esf/lotse-0"}, headers=tokens.headers(AUDITOR)
    )

    assert_problem(response, 422)
    assert [error["field"] for error in response.json()["errors"]] == ["definition_version"]
    assert CURRENT_DEFINITION in response.json()["detail"]


async def test_analysts_are_refused_the_live_figures_naming_the_rule(client: Client, tokens: Tokens) -> None:
    position = await record(client, tokens)

    for path, query in (
        ("/statistics/esf", {**PERIOD, "min_position": position}),
        ("/statistics/esf", {**PERIOD, "as_of_position": position}),
        ("/statistics/funnel", {}),
    ):
        for accept in ("application/json", "text/csv"):
            answer = await client.get(path, params=query, headers=tokens.headers(ANALYST, Accept=accept))
            problem = assert_problem(answer, 403)
            assert problem["rule"] == "analysts_read_published_reports", (path, accept)
            assert "/reports" in problem["detail"]
    german = await client.get("/statistics/funnel", headers={**tokens.headers(ANALYST), "Accept-Language": "de"})
    assert "veröffentlichte Berichte" in assert_problem(german, 403)["detail"]


async def test_statistics_answer_csv(client: Client, tokens: Tokens) -> None:
    position = await record(client, tokens)
    headers = tokens.headers(AUDITOR, Accept="text/csv")

    response = await client.get("/statistics/esf", params={**PERIOD, "min_position": position}, headers=headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["code"] for row in rows] == [*OUTPUT_CODES, "EECO19"]
    assert (rows[-1]["female"], rows[-1]["total"]) == ("", "0")  # EECO19 counts enterprises: no gender
    assert rows[0]["female"] == "7"
    assert rows[0]["digest"]
    assert rows[0]["definition_version"] == CURRENT_DEFINITION
    exits = await client.get("/statistics/esf", params={**PERIOD, "basis": "exit"}, headers=headers)
    exit_rows = list(csv.DictReader(io.StringIO(exits.text)))
    responses = ["due", "reached", "unreachable", "refused", "missing"]
    assert [row["code"] for row in exit_rows] == [*RESULT_CODES, *(f"follow_up_response.{name}" for name in responses)]
    assert [(row["female"], row["total"]) for row in exit_rows[-5:]] == [("", "3"), *[("", "0")] * 3, ("", "3")]
    funnel = await client.get("/statistics/funnel", params={"min_position": position}, headers=headers)
    assert funnel.status_code == 200
    assert funnel.text.startswith("pathway,measure,stage,value")


async def test_the_funnel_counts_each_stage(client: Client, tokens: Tokens) -> None:
    position = await record(client, tokens)

    funnel: Json = await get(client, "/statistics/funnel", LEAD, tokens, min_position=position)

    undecided = funnel["pathways"]["undecided"]
    assert undecided["reached"]["first_contact"] == 9
    assert undecided["reached"]["exit"] == 3
    assert undecided["reached"]["qualified"] == 3
    assert undecided["median_days"]["exit->qualified"] == 0.0
    again = await get(client, "/statistics/funnel", LEAD, tokens, as_of_position=funnel["as_of_position"])
    assert again == funnel


async def test_a_funders_token_reads_any_agency(client: Client, tokens: Tokens) -> None:
    position = await record(client, tokens)

    everything = await get(client, "/statistics/esf", FUNDER_AUDITOR, tokens, min_position=position, **PERIOD)
    bonn = await get(client, "/statistics/esf", FUNDER_AUDITOR, tokens, agency="bonn", **PERIOD)

    assert everything["indicators"]["EECO01"]["total"] == 10
    assert bonn["indicators"]["EECO01"]["total"] == 1
    own = await get(client, "/statistics/esf", AUDITOR, tokens, agency="bonn", **PERIOD)
    assert own["agency"] == "koeln"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"to": "2026-12-31"}, 422),
        ({"from": "2026-12-31", "to": "2026-01-01"}, 422),
        ({**PERIOD, "basis": "sometimes"}, 422),
        ({**PERIOD, "as_of_position": 10**9}, 404),
        ({**PERIOD, "as_of_position": -1}, 422),
    ],
)
async def test_bad_statistics_requests_are_client_errors(
    client: Client, tokens: Tokens, params: dict[str, Any], status: int
) -> None:
    await record(client, tokens)
    response = await client.get("/statistics/esf", params=params, headers=tokens.headers(AUDITOR))
    assert_problem(response, status)


async def test_a_position_beyond_the_log_is_refused_at_once(client: Client, tokens: Tokens) -> None:
    head = await log_position(client)
    response = await client.get("/caseload", params={"min_position": head + 1000}, headers=tokens.headers(LEAD))
    assert_problem(response, 422)


async def test_views_that_do_not_catch_up_in_time_answer_503_not_a_hang(
    settings: Settings, clock: FixedClock, tokens: Tokens, staff: None
) -> None:
    # Without a follower (projections left to a worker that is not running) the views never move.
    app = build_app(dataclasses.replace(settings, projections="worker"), clock)
    async with AsyncTestClient(app) as client:
        opened = await client.post("/cases", json=case_body(), headers=tokens.headers(COUNSELLOR))
        position = int(opened.headers["lotse-position"])
        response = await client.get("/caseload", params={"min_position": position}, headers=tokens.headers(LEAD))
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "1"


async def test_statistics_need_a_token(client: Client) -> None:
    assert_problem(await client.get("/statistics/esf", params=PERIOD), 401)
    assert_problem(await client.get("/caseload"), 401)


async def test_a_session_moves_the_no_contact_deadline(client: Client, tokens: Tokens) -> None:
    opened = await client.post("/cases", json=case_body(), headers=tokens.headers(COUNSELLOR))
    stepped = await client.post(
        f"/cases/{opened.json()['id']}/steps", json=session_step("2026-05-20"), headers=tokens.headers(COUNSELLOR)
    )
    items = await get(client, "/deadlines", COUNSELLOR, tokens, min_position=int(stepped.headers["lotse-position"]))
    assert [(item["kind"], item["due"], item["overdue"]) for item in items] == [("no_contact", "2026-07-19", False)]
