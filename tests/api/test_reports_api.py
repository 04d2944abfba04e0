"""POST /reports, GET /reports, GET /reports/{id}: published, frozen and signed figures for analysts."""

import csv
import io

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.api.conftest import Tokens
from tests.api.helpers import (
    ANALYST,
    AUDITOR,
    COUNSELLOR,
    FUNDER_ANALYST,
    LEAD,
    OTHER_LEAD,
    Client,
    Json,
    case_body,
)

ESF_2025 = {"kind": "esf", "period": "2025", "basis": "entry"}


async def open_cases(client: Client, tokens: Tokens, count: int, day: str = "2025-03-10", **profile: object) -> None:
    headers = tokens.headers(COUNSELLOR)
    for n in range(count):
        body = case_body(first_contact_on=day, personal={"name": f"Klientin {n}"})
        body["profile"] |= profile
        answer = await client.post("/cases", json=body, headers=headers)
        assert answer.status_code == 201, answer.text


async def test_a_lead_publishes_and_an_analyst_reads_the_report_frozen_and_signed(
    client: Client, tokens: Tokens
) -> None:
    await open_cases(client, tokens, 7)
    await open_cases(client, tokens, 2, gender="male")

    published = await client.post("/reports", json=ESF_2025, headers=tokens.headers(LEAD))
    listed = await client.get("/reports", headers=tokens.headers(ANALYST))
    one = await client.get(f"/reports/{published.json()['id']}", headers=tokens.headers(ANALYST))

    assert published.status_code == 201, published.text
    assert int(published.headers["lotse-position"]) > published.json()["position"]
    report: Json = published.json()
    assert (report["agency"], report["kind"], report["period"], report["basis"]) == ("koeln", "esf", "2025", "entry")
    cells = report["cells"]
    assert cells["EECO01.male"] is None  # two men: a small cell
    assert "EECO01.male" in report["suppressed"]
    # The total less the women would give the two men back: one of them is hidden too, the other shown exactly.
    assert sorted([cells["EECO01.total"], cells["EECO01.female"]], key=str) in ([9, None], [7, None])
    assert cells["EECO13.total"] == cells["EECO01.total"]  # all nine are third-country nationals
    assert cells["EECO12.total"] is None  # nobody with a disability: 0 is under 5 too
    assert "counts" not in report  # the exact counts behind the cells stay inside
    assert listed.json()["items"] == [report]
    assert one.json() == report
    message = b"lotse-report-1\n" + msgspec.json.encode({key: report[key] for key in SIGNED_FIELDS}, order="sorted")
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(report["public_key"]))
    key.verify(bytes.fromhex(report["signature"]), message)  # raises if it does not hold


SIGNED_FIELDS = (
    "id",
    "agency",
    "kind",
    "period",
    "basis",
    "definition_version",
    "position",
    "digest",
    "cells",
    "figures",
    "suppressed",
    "published_by",
    "published_at",
)


async def test_a_report_answers_csv_with_one_charset(client: Client, tokens: Tokens) -> None:
    await open_cases(client, tokens, 6)
    report = (await client.post("/reports", json=ESF_2025, headers=tokens.headers(AUDITOR))).json()

    answer = await client.get(f"/reports/{report['id']}", headers={**tokens.headers(ANALYST), "Accept": "text/csv"})

    assert answer.status_code == 200
    assert answer.headers["content-type"].count("charset") == 1
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["cell", "value"]
    assert ["EECO01.total", "6"] in rows
    assert ["EECO01.male", ""] in rows


async def test_a_retried_publication_answers_the_first_report_and_publishes_nothing_more(
    client: Client,
    tokens: Tokens,
) -> None:
    headers = {**tokens.headers(LEAD), "Idempotency-Key": "report-2025-once"}
    first = await client.post("/reports", json=ESF_2025, headers=headers)
    again = await client.post("/reports", json=ESF_2025, headers=headers)
    listed = await client.get("/reports", headers=tokens.headers(LEAD))

    assert first.status_code == 201
    assert again.status_code == 201
    assert first.headers["idempotent-replayed"] == "false"
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len(listed.json()["items"]) == 1


async def test_only_leads_and_auditors_publish(client: Client, tokens: Tokens) -> None:
    for who in (COUNSELLOR, ANALYST):
        answer = await client.post("/reports", json=ESF_2025, headers=tokens.headers(who))
        assert answer.status_code == 403, who
    assert (await client.get("/reports", headers=tokens.headers(FUNDER_ANALYST))).json()["items"] == []


async def test_a_period_not_yet_ended_is_refused_naming_the_rule_in_german(client: Client, tokens: Tokens) -> None:
    headers = {**tokens.headers(LEAD), "Accept-Language": "de"}
    answer = await client.post("/reports", json={**ESF_2025, "period": "2026-Q2"}, headers=headers)

    assert answer.status_code == 422
    problem = answer.json()
    assert problem["rule"] == "report_period_ended"
    assert "2026-Q2" in problem["detail"]
    assert "noch nicht zu Ende" in problem["detail"]


async def test_bad_bodies_name_every_offending_field(client: Client, tokens: Tokens) -> None:
    answer = await client.post(
        "/reports", json={"kind": "census", "period": "2025-13", "extra": 1}, headers=tokens.headers(LEAD)
    )
    missing_basis = await client.post("/reports", json={"kind": "esf", "period": "2025"}, headers=tokens.headers(LEAD))

    assert answer.status_code in (400, 422)
    named = {error["field"] for error in answer.json()["errors"]}
    assert {"kind", "period", "extra"} <= named
    assert missing_basis.status_code == 422
    assert missing_basis.json()["rule"] == "report_needs_basis"


async def test_another_agencys_report_does_not_exist_for_a_reader(client: Client, tokens: Tokens) -> None:
    report = (await client.post("/reports", json=ESF_2025, headers=tokens.headers(OTHER_LEAD))).json()

    assert (await client.get(f"/reports/{report['id']}", headers=tokens.headers(ANALYST))).status_code == 404
    assert (await client.get(f"/reports/{report['id']}", headers=tokens.headers(FUNDER_ANALYST))).status_code == 200
    assert (await client.get("/reports", headers=tokens.headers(ANALYST))).json()["items"] == []
