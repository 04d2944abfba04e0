"""The course catalogue over HTTP (API.md "Course catalogue and matching (0.2)"): every endpoint, the roles, the
agencies, If-Match and Idempotency-Key, bad input named by field or rule with nothing written, and matching a case.

The register, the view and the import are tested on both backends in tests/integration/test_offers.py.
"""

from typing import Any

import httpx
import pytest

from application.ports import Principal
from tests.api.conftest import Tokens
from tests.api.helpers import (
    ANALYST,
    AUDITOR,
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    OTHER_COUNSELLOR,
    OTHER_LEAD,
    PERSONAL,
    Client,
    Json,
    assert_problem,
    error_fields,
    etag,
    log_position,
    open_case,
)
from tests.api.test_privacy_api import access_log, reads


def offer_body(**changes: Any) -> Json:
    body: Json = {
        "provider": "Bildungswerk Rheinufer",
        "title": "Vorbereitung auf die Externenprüfung im Einzelhandel",
        "kind": "exam_preparation",
        "occupations": ["Kaufmann/-frau im Einzelhandel"],
        "kldb": "62102",
        "postal_code": "50667",
        "city": "Köln",
        "starts_on": "2026-09-07",
        "ends_on": "2027-02-26",
        "schedule": "part_time",
        "language": "de",
        "funding": ["education_voucher", "sgb3_82"],
        "seats": 14,
        "contact": "kurse@rheinufer.example",
        "url": "https://www.rheinufer.example/kurse/ep-2026-001",
    }
    return {**body, **changes}


async def create(client: Client, tokens: Tokens, who: Principal = LEAD, **changes: Any) -> httpx.Response:
    return await client.post("/offers", json=offer_body(**changes), headers=tokens.headers(who))


async def created(client: Client, tokens: Tokens, who: Principal = LEAD, **changes: Any) -> Json:
    response = await create(client, tokens, who, **changes)
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def listed(client: Client, tokens: Tokens, who: Principal = COUNSELLOR, **params: Any) -> Json:
    position = await log_position(client)
    response = await client.get("/offers", params={"min_position": position, **params}, headers=tokens.headers(who))
    assert response.status_code == 200, response.text
    page: Json = response.json()
    return page


def titles(page: Json) -> list[str]:
    return [item["title"] for item in page["items"]]


# Writing offers


async def test_a_lead_lists_an_offer_and_everyone_of_the_agency_but_analysts_reads_it(
    client: Client, tokens: Tokens
) -> None:
    response = await create(client, tokens)

    assert response.status_code == 201, response.text
    offer = response.json()
    assert response.headers["etag"] == etag(1)
    assert response.headers["location"] == f"/offers/{offer['id']}"
    assert int(response.headers["lotse-position"]) == await log_position(client)
    assert {key: offer[key] for key in offer_body()} == offer_body()
    assert (offer["agency"], offer["status"], offer["version"]) == ("koeln", "active", 1)
    for who in (COUNSELLOR, LEAD, AUDITOR, FUNDER_AUDITOR):
        read = await client.get(f"/offers/{offer['id']}", headers=tokens.headers(who))
        assert read.status_code == 200, (who, read.text)
        assert read.headers["etag"] == etag(1)
        assert [(entry["version"], entry["type"], entry["recorded_by"]) for entry in read.json()["history"]] == [
            (1, "offer_created", "lea")
        ]
    assert_problem(await client.get(f"/offers/{offer['id']}", headers=tokens.headers(ANALYST)), 403)


@pytest.mark.parametrize("who", [COUNSELLOR, AUDITOR, ANALYST, FUNDER_AUDITOR])
async def test_only_leads_write_the_catalogue(client: Client, tokens: Tokens, who: Principal) -> None:
    offer = await created(client, tokens)
    head = await log_position(client)
    headers = tokens.headers(who)

    assert_problem(await client.post("/offers", json=offer_body(), headers=headers), 403)
    assert_problem(await client.patch(f"/offers/{offer['id']}", json={"seats": 3}, headers=headers), 403)
    assert_problem(await client.post(f"/offers/{offer['id']}/withdraw", headers=headers), 403)
    assert await log_position(client) == head


async def test_another_agency_s_offer_does_not_exist_for_the_caller(client: Client, tokens: Tokens) -> None:
    offer = await created(client, tokens)
    head = await log_position(client)

    for response in (
        await client.get(f"/offers/{offer['id']}", headers=tokens.headers(OTHER_COUNSELLOR)),
        await client.patch(f"/offers/{offer['id']}", json={"seats": 3}, headers=tokens.headers(OTHER_LEAD)),
        await client.post(f"/offers/{offer['id']}/withdraw", headers=tokens.headers(OTHER_LEAD)),
    ):
        assert_problem(response, 404)
    assert await log_position(client) == head
    assert (await listed(client, tokens, OTHER_COUNSELLOR))["total"] == 0
    assert (await listed(client, tokens, FUNDER_AUDITOR))["total"] == 1
    assert (await listed(client, tokens, FUNDER_AUDITOR, agency="bonn"))["total"] == 0


async def test_an_offer_is_no_case_and_a_case_no_offer(client: Client, tokens: Tokens) -> None:
    offer = await created(client, tokens)
    case = await open_case(client, tokens.headers(COUNSELLOR))

    assert_problem(await client.get(f"/cases/{offer['id']}", headers=tokens.headers(COUNSELLOR)), 404)
    assert_problem(await client.get(f"/offers/{case['id']}", headers=tokens.headers(COUNSELLOR)), 404)
    assert_problem(await client.post(f"/offers/{case['id']}/withdraw", headers=tokens.headers(LEAD)), 404)
    assert_problem(await client.get(f"/cases/{offer['id']}/matching-offers", headers=tokens.headers(LEAD)), 404)


async def test_bad_offers_name_every_field_or_the_rule_and_record_nothing(client: Client, tokens: Tokens) -> None:
    head = await log_position(client)

    for field, bad in (
        ("postal_code", "5066"),
        ("kind", "yoga"),
        ("schedule", "weekends"),
        ("url", "ftp://x"),
        ("seats", 0),
        ("kldb", "1"),
        ("language", "Deutsch"),
        ("funding", ["voucher"]),
        ("starts_on", "2026-13-01"),
        ("occupations", ["x"] * 21),
    ):
        named = f"{field}.0" if field == "funding" else field  # the item of a list
        assert error_fields(await create(client, tokens, **{field: bad})) == [named]
    missing = {key: value for key, value in offer_body().items() if key != "city"}
    assert error_fields(await client.post("/offers", json=missing, headers=tokens.headers(LEAD))) == ["city"]
    unknown = await client.post("/offers", json={**offer_body(), "colour": "blau"}, headers=tokens.headers(LEAD))
    assert error_fields(unknown) == ["colour"]
    backwards = assert_problem(await create(client, tokens, ends_on="2026-09-06"), 422, rule="offer_ends_after_start")
    assert [error["field"] for error in backwards["errors"]] == ["ends_on"]
    assert_problem(await create(client, tokens, occupations=[]), 422, rule="offer_names_an_occupation")
    assert_problem(
        await client.post(
            "/offers", content=b'{"provider": ', headers=tokens.headers(LEAD, **{"Content-Type": "application/json"})
        ),
        400,
    )
    assert await log_position(client) == head
    language = await created(client, tokens, kind="language", occupations=[], title="Deutsch B1")
    assert language["occupations"] == []


# Changes are history


async def test_a_change_records_the_fields_it_changes_with_if_match(client: Client, tokens: Tokens) -> None:
    offer = await created(client, tokens)
    path, headers = f"/offers/{offer['id']}", tokens.headers(LEAD)

    response = await client.patch(path, json={"seats": 10, "url": None}, headers={**headers, "If-Match": etag(1)})
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == etag(2)
    assert (response.json()["seats"], response.json()["url"], response.json()["title"]) == (10, None, offer["title"])

    head = await log_position(client)
    stale = await client.patch(
        path, json={"seats": 9}, headers={**headers, "If-Match": etag(1), "Accept-Language": "de"}
    )
    problem = assert_problem(stale, 412, rule="if_match_current")
    assert problem["detail"] == "Das Angebot wurde inzwischen geändert (aktuell Version 2); bitte neu laden."
    assert_problem(
        await client.patch(path, json={"seats": 10}, headers=headers), 422, rule="offer_change_changes_something"
    )
    assert_problem(
        await client.patch(path, json={"ends_on": "2026-01-01"}, headers=headers), 422, rule="offer_ends_after_start"
    )
    assert await log_position(client) == head

    history = (await client.get(path, headers=tokens.headers(AUDITOR))).json()["history"]
    assert [entry["type"] for entry in history] == ["offer_created", "offer_changed"]
    assert history[1]["data"] == {"seats": 10, "url": None}


async def test_bad_changes_name_their_fields(client: Client, tokens: Tokens) -> None:
    offer = await created(client, tokens)
    response = await client.patch(
        f"/offers/{offer['id']}", json={"seats": -1, "colour": "x"}, headers=tokens.headers(LEAD)
    )
    assert response.status_code == 422, response.text
    assert set(error_fields(response)) <= {"seats", "colour"}
    assert error_fields(response)


async def test_a_retried_write_with_its_key_answers_the_first_answer(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(LEAD, **{"Idempotency-Key": "offer-1"})
    first = await client.post("/offers", json=offer_body(), headers=headers)
    head = await log_position(client)
    again = await client.post("/offers", json=offer_body(), headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert (first.headers["idempotent-replayed"], again.headers["idempotent-replayed"]) == ("false", "true")
    assert await log_position(client) == head
    assert_problem(
        await client.post("/offers", json=offer_body(seats=3), headers=headers), 422, rule="idempotency_key_unique"
    )

    path = f"/offers/{first.json()['id']}"
    change = tokens.headers(LEAD, **{"Idempotency-Key": "change-1"})
    changed = await client.patch(path, json={"seats": 8}, headers=change)
    replayed = await client.patch(path, json={"seats": 8}, headers=change)
    assert (changed.status_code, replayed.status_code) == (200, 200)
    assert replayed.json()["version"] == 2
    assert replayed.headers["idempotent-replayed"] == "true"


async def test_an_offer_is_withdrawn_once_and_no_longer_listed_by_default(client: Client, tokens: Tokens) -> None:
    offer = await created(client, tokens)
    await created(client, tokens, title="Zweiter Kurs")
    path, headers = f"/offers/{offer['id']}", tokens.headers(LEAD)

    response = await client.post(f"{path}/withdraw", json={"reason": "zu wenige Anmeldungen"}, headers=headers)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["withdrawal_reason"]) == ("withdrawn", "zu wenige Anmeldungen")
    assert response.headers["etag"] == etag(2)
    head = await log_position(client)
    assert_problem(await client.post(f"{path}/withdraw", headers=headers), 409, rule="withdrawn_offer_is_final")
    assert_problem(await client.patch(path, json={"seats": 1}, headers=headers), 409, rule="withdrawn_offer_is_final")
    assert_problem(await client.post(f"{path}/withdraw", json={"why": 1}, headers=headers), 422)
    assert await log_position(client) == head

    assert titles(await listed(client, tokens)) == ["Zweiter Kurs"]
    assert (await listed(client, tokens, include_withdrawn="true"))["total"] == 2


# The catalogue


async def test_the_catalogue_is_searched_by_every_filter_and_paged(client: Client, tokens: Tokens) -> None:
    await created(client, tokens, title="A", starts_on="2026-07-06", ends_on="2026-12-18")
    await created(
        client, tokens, title="B", starts_on="2026-08-03", ends_on="2026-12-18", postal_code="40213", funding=["esf"]
    )
    await created(
        client,
        tokens,
        title="C",
        kind="adaptation_course",
        occupations=["Pflegefachmann/-frau"],
        kldb=None,
        starts_on="2026-09-07",
    )
    await created(client, tokens, title="D", kind="language", occupations=[], kldb=None, starts_on="2026-10-05")

    assert titles(await listed(client, tokens)) == ["A", "B", "C", "D"]
    assert titles(await listed(client, tokens, AUDITOR, occupation="pflegefrau")) == []
    assert titles(await listed(client, tokens, LEAD, occupation="Pflegefach")) == ["C"]
    assert titles(await listed(client, tokens, occupation="KAUFFRAU einzel")) == ["A", "B"]
    assert titles(await listed(client, tokens, kind="language")) == ["D"]
    assert titles(await listed(client, tokens, starts_after="2026-08-03")) == ["C", "D"]
    assert titles(await listed(client, tokens, postal_code="40")) == ["B"]
    assert titles(await listed(client, tokens, funding="sgb3_82")) == ["A", "C", "D"]

    first = await listed(client, tokens, limit=3)
    assert (titles(first), first["total"]) == (["A", "B", "C"], 4)
    second = await listed(client, tokens, limit=3, cursor=first["next_cursor"])
    assert (titles(second), second["total"], second["next_cursor"]) == (["D"], 4, None)

    headers = tokens.headers(COUNSELLOR)
    for params, field in (
        ({"cursor": "nonsense"}, "cursor"),
        ({"kind": "yoga"}, "kind"),
        ({"postal_code": "5x"}, "postal_code"),
        ({"starts_after": "tomorrow"}, "starts_after"),
        ({"occupation": "---"}, "occupation"),
        ({"limit": "0"}, "limit"),
    ):
        assert error_fields(await client.get("/offers", params=params, headers=headers)) == [field]
    assert_problem(await client.get("/offers", headers=tokens.headers(ANALYST)), 403)


# Matching a case


async def case_on_the_exam_route(
    client: Client, tokens: Tokens, address: str | None = "Domstraße 1, 50667 Köln"
) -> Json:
    case = await open_case(client, tokens.headers(COUNSELLOR), personal={**PERSONAL, "address": address})
    response = await client.post(
        f"/cases/{case['id']}/steps",
        json={
            "type": "exam_admission_applied",
            "date": "2026-02-02",
            "exam_id": "x1",
            "route": "external_exam",
            "occupation": "Kaufmann im Einzelhandel",
            "chamber": "ihk",
        },
        headers=tokens.headers(COUNSELLOR),
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def matching(client: Client, tokens: Tokens, case_id: str, who: Principal = COUNSELLOR, **params: Any) -> Json:
    position = await log_position(client)
    response = await client.get(
        f"/cases/{case_id}/matching-offers", params={"min_position": position, **params}, headers=tokens.headers(who)
    )
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def test_a_case_is_matched_to_the_offers_that_fit_nearest_first_with_reasons(
    client: Client, tokens: Tokens
) -> None:
    far = await created(client, tokens, title="fern", postal_code="40213")
    near = await created(client, tokens, title="nah", postal_code="50667", starts_on="2026-10-05")
    await created(client, tokens, title="begonnen", starts_on="2026-05-04")  # started before today
    await created(client, tokens, title="Umschulung", kind="retraining")  # not needed
    await created(client, tokens, title="Koch", occupations=["Koch/Köchin"], kldb=None)  # another occupation
    gone = await created(client, tokens, title="abgesagt")
    await client.post(f"/offers/{gone['id']}/withdraw", headers=tokens.headers(LEAD))
    await created(client, tokens, OTHER_LEAD, title="Bonn")  # another agency's
    case = await case_on_the_exam_route(client, tokens)

    answer = await matching(client, tokens, case["id"])

    assert [item["offer"]["title"] for item in answer["items"]] == ["nah", "fern"]
    assert (answer["ordered_by_distance_from"], answer["near"], answer["total"]) == ("client_address", None, 2)
    assert [item["distance"]["rank"] for item in answer["items"]] == [0, 4]
    assert answer["needs"] == [
        {
            "kind": "exam_preparation",
            "code": "external_exam_admission",
            "text": "Die Zulassung zur Externenprüfung (x1) ist beantragt.",
        }
    ]
    reason = answer["items"][0]["reason"]
    assert (reason["code"], reason["occupation"]) == ("external_exam_admission", "occupation_words")
    assert "Kaufmann/-frau im Einzelhandel" in reason["text"]
    assert "50667" not in str(answer).replace(near["postal_code"], "")  # the client's postal code is never shown
    asked = await matching(client, tokens, case["id"], LEAD, near="40210", limit=1)
    assert ([item["offer"]["title"] for item in asked["items"]], asked["total"]) == (["fern"], 2)
    assert (asked["ordered_by_distance_from"], asked["near"]) == ("query", "40210")
    assert far["id"] != near["id"]


async def test_matching_without_a_place_orders_by_start_and_logs_every_read(client: Client, tokens: Tokens) -> None:
    await created(client, tokens, title="später", postal_code="50667", starts_on="2026-10-05")
    await created(client, tokens, title="früher", postal_code="40213", starts_on="2026-08-03")
    case = await case_on_the_exam_route(client, tokens, address=None)

    answer = await matching(client, tokens, case["id"])
    assert [item["offer"]["title"] for item in answer["items"]] == ["früher", "später"]
    assert answer["ordered_by_distance_from"] is None
    assert all(item["distance"] is None for item in answer["items"])
    await matching(client, tokens, case["id"], near="40213")
    logged = [
        read for read in reads(await access_log(client, tokens, case_id=case["id"])) if read[3] == "matching-offers"
    ]
    assert logged == [
        ("ayse", "counsellor", "koeln", "matching-offers", True),
        ("ayse", "counsellor", "koeln", "matching-offers", True),
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [(AUDITOR, 403), (ANALYST, 403), (FUNDER_AUDITOR, 403), (OTHER_COUNSELLOR, 404), (OTHER_LEAD, 404)],
)
async def test_matching_is_for_the_case_s_counsellors_and_leads(
    client: Client, tokens: Tokens, who: Principal, status: int
) -> None:
    case = await case_on_the_exam_route(client, tokens)
    response = await client.get(f"/cases/{case['id']}/matching-offers", headers=tokens.headers(who))
    assert_problem(response, status)


async def test_matching_refuses_a_place_that_is_no_postal_code(client: Client, tokens: Tokens) -> None:
    case = await case_on_the_exam_route(client, tokens)
    response = await client.get(
        f"/cases/{case['id']}/matching-offers", params={"near": "Köln"}, headers=tokens.headers(COUNSELLOR)
    )
    assert error_fields(response) == ["near"]


async def test_the_schema_documents_the_catalogue(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert {
        ("/offers", "post"),
        ("/offers", "get"),
        ("/offers/{offer_id}", "get"),
        ("/offers/{offer_id}", "patch"),
        ("/offers/{offer_id}/withdraw", "post"),
        ("/cases/{case_id}/matching-offers", "get"),
    } <= {(path, method) for path, operations in paths.items() for method in operations}
    assert {name for place, name in ((p["in"], p["name"]) for p in paths["/offers"]["get"]["parameters"])} >= {
        "occupation",
        "kind",
        "starts_after",
        "postal_code",
        "funding",
        "limit",
        "cursor",
        "include_withdrawn",
    }
    patch_headers = {p["name"] for p in paths["/offers/{offer_id}"]["patch"]["parameters"] if p["in"] == "header"}
    assert patch_headers >= {"If-Match", "Idempotency-Key"}
    assert paths["/cases/{case_id}/matching-offers"]["get"]["description"]
