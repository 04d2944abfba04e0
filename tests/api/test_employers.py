"""Employers over HTTP: an event-sourced record per firm with its history, isolated per agency, written with If-Match
and Idempotency-Key as case steps are, and counted by EECO19 in the ESF+ figures."""

from typing import Any

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
    TODAY,
    Client,
    Json,
    assert_problem,
    error_fields,
    etag,
    log_position,
    open_case,
)

FIRM: Json = {"name": "Bäckerei Schmitz GmbH", "size": "small", "sector": "Handwerk", "postal_code": "50667"}
COUNSELLED: Json = {
    "type": "employer_counselled",
    "date": "2026-03-02",
    "minutes": 90,
    "topics": ["qualification_needs", "funding"],
    "employees_interested": 4,
}
PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}


async def register(client: Client, tokens: Tokens, who: Principal = COUNSELLOR, **changes: Any) -> Json:
    response = await client.post("/employers", json={**FIRM, **changes}, headers=tokens.headers(who))
    assert response.status_code == 201, response.text
    employer: Json = response.json()
    return employer


async def step(client: Client, tokens: Tokens, employer_id: str, body: Json, who: Principal = COUNSELLOR) -> Json:
    response = await client.post(f"/employers/{employer_id}/steps", json=body, headers=tokens.headers(who))
    assert response.status_code == 201, response.text
    employer: Json = response.json()
    return employer


async def read(client: Client, tokens: Tokens, employer_id: str, who: Principal = COUNSELLOR, **query: Any) -> Json:
    response = await client.get(f"/employers/{employer_id}", params=query, headers=tokens.headers(who))
    assert response.status_code == 200, response.text
    employer: Json = response.json()
    return employer


async def test_an_employer_is_registered_and_read_with_its_history(client: Client, tokens: Tokens) -> None:
    response = await client.post("/employers", json=FIRM, headers=tokens.headers(COUNSELLOR))

    assert response.status_code == 201, response.text
    employer = response.json()
    assert response.headers["ETag"] == etag(1)
    assert response.headers["Location"] == f"/employers/{employer['id']}"
    assert int(response.headers["Lotse-Position"]) == await log_position(client)
    assert {key: employer[key] for key in FIRM} == FIRM
    assert (employer["version"], employer["agency"], employer["registered_on"]) == (1, "koeln", str(TODAY))
    assert (employer["contacts"], employer["counselling_sessions"], employer["employees_referred"]) == (0, 0, 0)
    assert employer["last_contact_on"] is None
    [registered] = employer["history"]
    assert (registered["type"], registered["version"], registered["recorded_by"]) == ("employer_registered", 1, "ayse")
    assert {key: registered["data"][key] for key in FIRM} == FIRM
    for reader in (COUNSELLOR, LEAD, AUDITOR):
        assert await read(client, tokens, employer["id"], reader) == employer


async def test_steps_build_the_employers_record(client: Client, tokens: Tokens) -> None:
    employer = await register(client, tokens)
    case = await open_case(client, tokens.headers(COUNSELLOR))

    await step(
        client, tokens, employer["id"], {"type": "employer_contacted", "date": "2026-02-10", "channel": "letter"}
    )
    await step(client, tokens, employer["id"], COUNSELLED, LEAD)
    await step(
        client, tokens, employer["id"], {"type": "employee_referred", "date": "2026-04-01", "case_id": case["id"]}
    )
    await step(client, tokens, employer["id"], {"type": "employee_referred", "date": "2026-04-02"})
    changed = await step(
        client, tokens, employer["id"], {"type": "employer_changed", "date": "2026-05-01", "size": "medium"}
    )

    assert changed["version"] == 6
    assert (changed["contacts"], changed["counselling_sessions"], changed["counselling_minutes"]) == (1, 1, 90)
    assert (changed["employees_interested"], changed["employees_referred"]) == (4, 2)
    assert changed["referred_cases"] == [case["id"]]
    assert changed["counselled_on"] == ["2026-03-02"]
    assert (changed["last_contact_on"], changed["size"]) == ("2026-04-02", "medium")
    history = changed["history"]
    assert [entry["type"] for entry in history] == [
        "employer_registered",
        "employer_contacted",
        "employer_counselled",
        "employee_referred",
        "employee_referred",
        "employer_changed",
    ]
    assert [entry["date"] for entry in history[1:]] == [
        "2026-02-10",
        "2026-03-02",
        "2026-04-01",
        "2026-04-02",
        "2026-05-01",
    ]
    assert history[2]["recorded_by"] == "lea"
    assert history[2]["data"] == {k: v for k, v in COUNSELLED.items() if k not in ("type", "date")}
    assert history[3]["data"] == {"case_id": case["id"]}
    separate = await client.get(f"/employers/{employer['id']}/history", headers=tokens.headers(AUDITOR))
    assert separate.json() == {"id": employer["id"], "events": history}
    past = await client.get(f"/employers/{employer['id']}", params={"as_of_version": 2}, headers=tokens.headers(LEAD))
    assert past.status_code == 200
    assert "etag" not in past.headers  # a past state is nothing to write on
    assert (past.json()["version"], past.json()["contacts"], past.json()["counselling_sessions"]) == (2, 1, 0)
    assert [entry["type"] for entry in past.json()["history"]] == ["employer_registered", "employer_contacted"]
    beyond = await client.get(f"/employers/{employer['id']}", params={"as_of_version": 7}, headers=tokens.headers(LEAD))
    assert_problem(beyond, 404)


async def test_another_agencys_employer_does_not_exist_for_the_reader(client: Client, tokens: Tokens) -> None:
    employer = await register(client, tokens)
    theirs = await register(client, tokens, OTHER_COUNSELLOR, name="Schreinerei Bonn")
    head = await log_position(client)

    for path in (f"/employers/{employer['id']}", f"/employers/{employer['id']}/history"):
        assert_problem(await client.get(path, headers=tokens.headers(OTHER_COUNSELLOR)), 404)
    refused = await client.post(
        f"/employers/{employer['id']}/steps", json=COUNSELLED, headers=tokens.headers(OTHER_LEAD)
    )
    assert_problem(refused, 404)
    assert await log_position(client) == head
    listed = await client.get("/employers", params={"min_position": head}, headers=tokens.headers(OTHER_COUNSELLOR))
    assert [item["id"] for item in listed.json()["items"]] == [theirs["id"]]
    funder = await client.get(f"/employers/{employer['id']}", headers=tokens.headers(FUNDER_AUDITOR))
    assert funder.status_code == 200  # a `*` auditor reads every agency's
    everyone = await client.get("/employers", headers=tokens.headers(FUNDER_AUDITOR))
    assert {item["id"] for item in everyone.json()["items"]} == {employer["id"], theirs["id"]}
    bonn = await client.get("/employers", params={"agency": "bonn"}, headers=tokens.headers(FUNDER_AUDITOR))
    assert [item["id"] for item in bonn.json()["items"]] == [theirs["id"]]


async def test_roles_analysts_read_no_employer_and_only_counselling_roles_write(client: Client, tokens: Tokens) -> None:
    employer = await register(client, tokens, LEAD)
    head = await log_position(client)

    for path in ("/employers", f"/employers/{employer['id']}", f"/employers/{employer['id']}/history"):
        assert_problem(await client.get(path, headers=tokens.headers(ANALYST)), 403)
    for writer in (AUDITOR, ANALYST, FUNDER_AUDITOR):
        assert_problem(await client.post("/employers", json=FIRM, headers=tokens.headers(writer)), 403)
        steps = await client.post(f"/employers/{employer['id']}/steps", json=COUNSELLED, headers=tokens.headers(writer))
        assert_problem(steps, 403)
    assert await log_position(client) == head


async def test_an_employer_is_no_case_and_a_case_is_no_employer(client: Client, tokens: Tokens) -> None:
    employer = await register(client, tokens)
    case = await open_case(client, tokens.headers(COUNSELLOR))
    contact = await client.post(
        "/contacts",
        json={"date": "2026-05-04", "mode": "phone", "language": "de", "topic": "funding"},
        headers=tokens.headers(COUNSELLOR),
    )
    head = await log_position(client)
    headers = tokens.headers(COUNSELLOR)

    for path in (f"/cases/{employer['id']}", f"/cases/{employer['id']}/history"):
        assert_problem(await client.get(path, headers=headers), 404)
    session = {"type": "counselling_session_held", "date": "2026-05-04", "minutes": 30}
    assert_problem(await client.post(f"/cases/{employer['id']}/steps", json=session, headers=headers), 404)
    for other in (case["id"], contact.json()["id"]):
        assert_problem(await client.get(f"/employers/{other}", headers=headers), 404)
        assert_problem(await client.post(f"/employers/{other}/steps", json=COUNSELLED, headers=headers), 404)
    assert await log_position(client) == head


@pytest.mark.parametrize("who", [COUNSELLOR, OTHER_COUNSELLOR])
async def test_a_referral_names_a_case_of_the_employers_agency(client: Client, tokens: Tokens, who: Principal) -> None:
    employer = await register(client, tokens)
    case_elsewhere = await open_case(client, tokens.headers(OTHER_COUNSELLOR), counsellor="carla")
    head = await log_position(client)

    for case_id in (case_elsewhere["id"], employer["id"], "00000000-0000-4000-8000-000000000000"):
        body = {"type": "employee_referred", "date": "2026-05-04", "case_id": case_id}
        response = await client.post(
            f"/employers/{employer['id']}/steps", json=body, headers=tokens.headers(COUNSELLOR)
        )
        problem = assert_problem(response, 409, rule="referred_case_of_agency")
        assert [error["field"] for error in problem["errors"]] == ["case_id"]
        assert case_id in problem["detail"]
    assert await log_position(client) == head
    assert (await read(client, tokens, employer["id"]))["version"] == 1
    del who  # the answer is one for every caller: neither tells another agency's case from no case


async def test_if_match_and_idempotency_key_as_for_case_steps(client: Client, tokens: Tokens) -> None:
    employer = await register(client, tokens)
    path = f"/employers/{employer['id']}/steps"
    contacted = {"type": "employer_contacted", "date": "2026-05-04", "channel": "phone"}

    fresh = await client.post(path, json=contacted, headers=tokens.headers(COUNSELLOR, **{"If-Match": etag(1)}))
    assert fresh.status_code == 201, fresh.text
    assert fresh.headers["ETag"] == etag(2)
    head = await log_position(client)
    stale = await client.post(path, json=COUNSELLED, headers=tokens.headers(LEAD, **{"If-Match": etag(1)}))
    problem = assert_problem(stale, 412, rule="if_match_current")
    assert (
        problem["detail"]
        == 'If-Match does not name the employer\'s current version (ETag "2"); read the employer again'
    )
    in_german = await client.post(
        path, json=COUNSELLED, headers=tokens.headers(LEAD, **{"If-Match": etag(1), "Accept-Language": "de"})
    )
    stale_de = assert_problem(in_german, 412, rule="if_match_current")
    assert stale_de["detail"] == "Der Arbeitgeber wurde inzwischen geändert (aktuell Version 2); bitte neu laden."
    assert await log_position(client) == head

    keyed = tokens.headers(COUNSELLOR, **{"Idempotency-Key": "firm-visit-7"})
    first = await client.post(path, json=COUNSELLED, headers=keyed)
    assert (first.status_code, first.headers["Idempotent-Replayed"]) == (201, "false")
    head = await log_position(client)
    again = await client.post(path, json=COUNSELLED, headers=keyed)
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == first.json()
    assert again.headers["ETag"] == first.headers["ETag"] == etag(3)
    assert await log_position(client) == head
    reused = await client.post(path, json={**COUNSELLED, "minutes": 30}, headers=keyed)
    assert_problem(reused, 422, rule="idempotency_key_unique")
    registered_again = await client.post("/employers", json=FIRM, headers=keyed)
    assert_problem(registered_again, 422, rule="idempotency_key_unique")
    created = tokens.headers(LEAD, **{"Idempotency-Key": "new-firm"})
    one = await client.post("/employers", json=FIRM, headers=created)
    two = await client.post("/employers", json=FIRM, headers=created)
    assert one.json()["id"] == two.json()["id"]
    assert two.headers["Idempotent-Replayed"] == "true"
    assert await log_position(client) == head + 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**FIRM, "postal_code": "5066"}, ["postal_code"]),
        ({**FIRM, "postal_code": "D-50667"}, ["postal_code"]),
        ({**FIRM, "size": "huge"}, ["size"]),
        ({**FIRM, "name": ""}, ["name"]),
        ({**FIRM, "owner": "Herr Schmitz"}, ["owner"]),
        ({key: value for key, value in FIRM.items() if key != "sector"}, ["sector"]),
    ],
)
async def test_a_bad_registration_names_the_field_and_records_nothing(
    client: Client, tokens: Tokens, body: Json, fields: list[str]
) -> None:
    head = await log_position(client)

    response = await client.post("/employers", json=body, headers=tokens.headers(COUNSELLOR))

    assert error_fields(response) == fields
    assert await log_position(client) == head


@pytest.mark.parametrize(
    ("body", "status", "rule", "fields"),
    [
        ({"type": "employer_contacted", "date": "2026-06-02", "channel": "phone"}, 422, "date_not_in_future", ["date"]),
        ({"type": "employer_changed", "date": "2026-05-02"}, 409, "employer_changed_changes_something", None),
        (
            {"type": "employer_changed", "date": "2026-05-02", "size": "small"},
            409,
            "employer_changed_changes_something",
            None,
        ),
        ({"type": "employer_contacted", "date": "2026-05-02", "channel": "fax"}, 422, None, ["channel"]),
        ({"type": "employer_counselled", "date": "2026-05-02", "minutes": 0}, 422, None, ["minutes"]),
        ({**COUNSELLED, "topics": ["gossip"]}, 422, None, ["topics.0"]),
        ({**COUNSELLED, "employees_interested": -3}, 422, None, ["employees_interested"]),
        ({"type": "employee_referred", "date": "2026-05-02", "case_id": "case-1"}, 422, None, ["case_id"]),
        ({"type": "employer_fired", "date": "2026-05-02"}, 422, None, None),
    ],
)
async def test_a_bad_step_names_the_field_or_rule_and_records_nothing(
    client: Client, tokens: Tokens, body: Json, status: int, rule: str | None, fields: list[str] | None
) -> None:
    employer = await register(client, tokens)
    head = await log_position(client)

    response = await client.post(f"/employers/{employer['id']}/steps", json=body, headers=tokens.headers(COUNSELLOR))

    problem = assert_problem(response, status, rule=rule)
    if fields is not None:
        assert [error["field"] for error in problem["errors"]] == fields
    assert await log_position(client) == head
    assert (await read(client, tokens, employer["id"]))["version"] == 1


@pytest.mark.both_backends
async def test_the_list_filters_by_size_and_name_and_pages_through_every_employer_once(
    client: Client, tokens: Tokens
) -> None:
    names = [
        ("Müller Elektrotechnik", "micro"),
        ("MUELLER & Söhne Bau", "medium"),
        ("Bäckerei Schmitz", "small"),
        ("Öztürk Logistik", "large"),
        ("Pflegedienst Sonnenschein", "medium"),
        ("Autohaus Müller", "large"),
        ("Café Ünal", "micro"),
    ]
    for name, size in names:
        created = await register(client, tokens, name=name, size=size)
    head = await log_position(client)
    del created

    async def page(**query: Any) -> Json:
        response = await client.get("/employers", params={"min_position": head, **query}, headers=tokens.headers(LEAD))
        assert response.status_code == 200, response.text
        answer: Json = response.json()
        return answer

    everyone = (await page())["items"]
    assert [item["name"] for item in everyone] == [
        "Autohaus Müller",
        "Bäckerei Schmitz",
        "Café Ünal",
        "Müller Elektrotechnik",  # by the folded name: "muller elektrotechnik" before "muller sohne bau"
        "MUELLER & Söhne Bau",
        "Öztürk Logistik",
        "Pflegedienst Sonnenschein",
    ]
    assert {item["name"] for item in (await page(q="müller"))["items"]} == {
        "Müller Elektrotechnik",
        "MUELLER & Söhne Bau",
        "Autohaus Müller",
    }
    assert [item["name"] for item in (await page(q="mull bau"))["items"]] == ["MUELLER & Söhne Bau"]
    assert [item["name"] for item in (await page(q="oeztuerk"))["items"]] == ["Öztürk Logistik"]
    assert {item["name"] for item in (await page(size="medium"))["items"]} == {
        "MUELLER & Söhne Bau",
        "Pflegedienst Sonnenschein",
    }
    assert [item["name"] for item in (await page(size="large", q="muller"))["items"]] == ["Autohaus Müller"]
    walked: list[Json] = []
    cursor = None
    while True:
        answer = await page(limit=3, **({"cursor": cursor} if cursor else {}))
        walked += answer["items"]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert walked == everyone
    bad = await client.get("/employers", params={"q": "&&&"}, headers=tokens.headers(LEAD))
    assert error_fields(bad) == ["q"]
    bad_cursor = await client.get("/employers", params={"cursor": "x"}, headers=tokens.headers(LEAD))
    assert error_fields(bad_cursor) == ["cursor"]
    bad_size = await client.get("/employers", params={"size": "huge"}, headers=tokens.headers(LEAD))
    assert error_fields(bad_size) == ["size"]


async def test_the_list_shows_each_employers_figures(client: Client, tokens: Tokens) -> None:
    employer = await register(client, tokens)
    await step(client, tokens, employer["id"], COUNSELLED)
    last = await client.post(
        f"/employers/{employer['id']}/steps",
        json={"type": "employer_contacted", "date": "2026-05-20", "channel": "visit"},
        headers=tokens.headers(COUNSELLOR),
    )

    listed = await client.get(
        "/employers", params={"min_position": last.headers["Lotse-Position"]}, headers=tokens.headers(AUDITOR)
    )

    [item] = listed.json()["items"]
    assert item == {
        "id": employer["id"],
        "version": 3,
        "agency": "koeln",
        **FIRM,
        "contacts": 1,
        "counselling_sessions": 1,
        "employees_referred": 0,
        "last_contact_on": "2026-05-20",
    }


async def esf(client: Client, tokens: Tokens, who: Principal, **query: Any) -> Json:
    response = await client.get("/statistics/esf", params={**PERIOD, **query}, headers=tokens.headers(who))
    assert response.status_code == 200, response.text
    answer: Json = response.json()
    return answer


async def test_eeco19_counts_the_small_and_medium_employers_counselled_in_the_period(
    client: Client, tokens: Tokens
) -> None:
    small = await register(client, tokens, size="small")
    large = await register(client, tokens, size="large", name="Großbetrieb AG")
    medium = await register(client, tokens, size="medium", name="Mittelstand KG")
    await step(client, tokens, small["id"], COUNSELLED)
    await step(client, tokens, small["id"], {**COUNSELLED, "date": "2026-04-01"})  # counted once
    await step(client, tokens, large["id"], COUNSELLED)  # large: no SME
    await step(client, tokens, medium["id"], {**COUNSELLED, "date": "2025-12-31"})  # before the period
    elsewhere = await register(client, tokens, OTHER_COUNSELLOR, name="Bonner Firma")
    await step(client, tokens, elsewhere["id"], COUNSELLED, OTHER_COUNSELLOR)
    head = await log_position(client)

    live = await esf(client, tokens, AUDITOR, min_position=head)

    assert live["indicators"]["EECO19"] == {"total": 1}
    assert list(live["indicators"])[-2:] == ["EECO17", "EECO19"]
    replayed = await esf(client, tokens, AUDITOR, as_of_position=live["as_of_position"])
    assert replayed == live
    everyone = await esf(client, tokens, FUNDER_AUDITOR)
    assert everyone["indicators"]["EECO19"] == {"total": 2}
    assert (await esf(client, tokens, LEAD, **{"from": "2025-01-01"}))["indicators"]["EECO19"] == {"total": 2}
    exits = await esf(client, tokens, AUDITOR, basis="exit")
    assert "EECO19" not in exits["indicators"]  # the entry basis' figure
    old = await esf(client, tokens, AUDITOR, definition_version="esf-plus-2021-1057-annex-i/lotse-1")
    assert "EECO19" not in old["indicators"]  # release 0.1's definition answers as 0.1 did
    grown = await step(client, tokens, small["id"], {"type": "employer_changed", "date": "2026-05-01", "size": "large"})
    position = await log_position(client)
    after = await esf(client, tokens, AUDITOR, min_position=position)
    assert after["indicators"]["EECO19"] == {"total": 0}  # the size as the log stands decides
    assert await esf(client, tokens, AUDITOR, as_of_position=live["as_of_position"]) == live
    del grown


async def test_a_published_report_shows_five_smes_and_hides_fewer(client: Client, tokens: Tokens) -> None:
    for number in range(5):
        employer = await register(client, tokens, name=f"Firma {number}", size="micro")
        await step(client, tokens, employer["id"], COUNSELLED)

    async def published(period: str) -> Json:
        body = {"kind": "esf", "period": period, "basis": "entry"}
        answer = await client.post("/reports", json=body, headers=tokens.headers(LEAD))
        assert answer.status_code == 201, answer.text
        report: Json = answer.json()
        return report

    five = await published("2026-Q1")  # counselled on 2 March
    none = await published("2026-04")

    assert five["cells"]["EECO19.total"] == 5
    assert "EECO19.total" not in five["suppressed"]
    assert none["cells"]["EECO19.total"] is None
    assert "EECO19.total" in none["suppressed"]
    csv = await client.get(f"/reports/{none['id']}", headers=tokens.headers(ANALYST, Accept="text/csv"))
    assert "EECO19.total," in csv.text.splitlines()
