"""GET /exports/participants: the funder's monitoring export, pseudonymised, logged, reproducible as of a position."""

import csv
import io

from domain.indicators import OUTPUT_CODES, RESULT_CODES
from tests.api.conftest import Tokens
from tests.api.helpers import (
    ANALYST,
    AUDITOR,
    CLOSING,
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    OTHER_LEAD,
    PERSONAL,
    Client,
    assert_problem,
    case_body,
    log_position,
    open_case,
)
from tests.api.test_privacy_api import access_log

EXPORT = "/exports/participants"
PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}
COLUMNS = ["pseudonym", "agency", "entry_date", "gender", *OUTPUT_CODES, "exit_date", *RESULT_CODES]
COLUMNS.append("follow_up_response")


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def export(
    client: Client, tokens: Tokens, who: object = LEAD, **params: object
) -> tuple[list[dict[str, str]], str]:
    response = await client.get(EXPORT, params={**PERIOD, **params}, headers=tokens.headers(who))  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert next(csv.reader(io.StringIO(response.text))) == COLUMNS
    return rows_of(response.text), response.headers["lotse-position"]


async def test_one_row_per_participant_of_the_period_with_her_esf_data_and_no_personal_data(
    client: Client, tokens: Tokens
) -> None:
    writer = tokens.headers(COUNSELLOR)
    same_person = {**PERSONAL, "name": "Mira Nowak"}
    born = {"birth_date": "1985-04-02"}
    first = await open_case(client, writer, personal=same_person, profile={**case_body()["profile"], **born})
    await open_case(
        client, writer, first_contact_on="2026-02-10", personal=same_person, profile={**case_body()["profile"], **born}
    )
    left = await open_case(
        client, writer, first_contact_on="2025-11-03", profile={**case_body()["profile"], "gender": "male"}
    )
    closed = await client.post(f"/cases/{left['id']}/steps", json={**CLOSING, "date": "2026-03-02"}, headers=writer)
    assert closed.status_code == 201, closed.text
    await open_case(client, writer, first_contact_on="2026-04-01")  # after the period: not exported
    await open_case(client, tokens.headers(OTHER_LEAD), counsellor="lena")  # another agency's: not exported

    rows, position = await export(client, tokens, min_position=closed.headers["lotse-position"])

    assert len(rows) == 2  # Mira's two cases are one participant; the man left in the period
    mira = next(row for row in rows if row["gender"] == "female")
    assert (mira["entry_date"], mira["exit_date"], mira["EECR01"], mira["follow_up_response"]) == (
        "2026-01-05",
        "",
        "",
        "",
    )
    assert mira["EECO01"] == "1"
    assert mira["EECO02"] == "1"
    man = next(row for row in rows if row["gender"] == "male")
    assert (man["entry_date"], man["exit_date"], man["EECR01"], man["EECR03"]) == ("2025-11-03", "2026-03-02", "1", "1")
    assert man["follow_up_response"] == "missing"
    assert {row["agency"] for row in rows} == {"koeln"}
    text = (await client.get(EXPORT, params=PERIOD, headers=tokens.headers(LEAD))).text
    for personal in ("Mira", "Nowak", "1985-04-02", str(first["id"]), str(left["id"])):
        assert personal not in text
    assert int(position) >= int(closed.headers["lotse-position"])


async def test_the_pseudonym_is_stable_per_person_and_agency_and_differs_across_agencies(
    client: Client, tokens: Tokens
) -> None:
    await open_case(client, tokens.headers(COUNSELLOR))
    await open_case(client, tokens.headers(OTHER_LEAD), counsellor="lena")
    head = await log_position(client)
    once, _ = await export(client, tokens, min_position=head)
    again, _ = await export(client, tokens, who=AUDITOR)
    assert len(once) == 1
    assert [row["pseudonym"] for row in once] == [row["pseudonym"] for row in again]
    everyone, _ = await export(client, tokens, who=FUNDER_AUDITOR)
    assert {row["agency"] for row in everyone} == {"koeln", "bonn"}
    assert len({row["pseudonym"] for row in everyone}) == 2
    assert all(len(row["pseudonym"]) == 32 for row in everyone)
    bonn, _ = await export(client, tokens, who=FUNDER_AUDITOR, agency="bonn")
    assert [row["agency"] for row in bonn] == ["bonn"]


async def test_an_export_as_of_a_position_equals_the_live_export_then(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    live_then, position = await export(client, tokens, min_position=await log_position(client))
    closed = await client.post(f"/cases/{case['id']}/steps", json=CLOSING, headers=tokens.headers(COUNSELLOR))
    assert closed.status_code == 201
    live_now, _ = await export(client, tokens, min_position=closed.headers["lotse-position"])
    replayed, replayed_at = await export(client, tokens, as_of_position=position)
    assert replayed == live_then
    assert replayed_at == position
    assert live_now != live_then  # the exit is in the later one (May: outside the period's exit, inside its entry)


async def test_every_export_is_logged_with_each_case_it_read(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    await export(client, tokens, who=LEAD, min_position=await log_position(client))
    log = await access_log(client, tokens)
    assert [(item["subject"], item["case_id"], item["what"], item["personal_data"]) for item in log["items"]] == [
        ("lea", case["id"], "export:participants?from=2026-01-01&to=2026-03-31", False)
    ]


async def test_only_leads_and_auditors_export_and_bad_periods_are_named(client: Client, tokens: Tokens) -> None:
    for who in (COUNSELLOR, ANALYST):
        assert_problem(await client.get(EXPORT, params=PERIOD, headers=tokens.headers(who)), 403)
    assert_problem(await client.get(EXPORT, params=PERIOD), 401)
    backwards = await client.get(
        EXPORT, params={"from": "2026-03-01", "to": "2026-01-01"}, headers=tokens.headers(LEAD)
    )
    assert [error["field"] for error in assert_problem(backwards, 422)["errors"]] == ["to"]
    missing = await client.get(EXPORT, params={"from": "2026-01-01"}, headers=tokens.headers(LEAD))
    assert_problem(missing, 422)
    beyond = await client.get(EXPORT, params={**PERIOD, "as_of_position": 999}, headers=tokens.headers(LEAD))
    assert_problem(beyond, 404)
