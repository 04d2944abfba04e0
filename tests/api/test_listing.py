"""GET /cases: the caller's agency's cases, filtered and paginated; a funder's auditor across agencies."""

import base64

import pytest

from application.ports import Principal
from tests.api.conftest import Tokens
from tests.api.helpers import (
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
    error_fields,
    open_case,
)

ASSESS = {"type": "assessment_started", "date": "2026-04-02", "assessment_id": "a1", "instrument": "myskills"}
ENROL = {
    "type": "course_enrolled",
    "date": "2026-04-02",
    "course_id": "c1",
    "kind": "language",
    "provider": "VHS",
    "funding": "esf",
}
APPLY = {
    "type": "recognition_applied",
    "date": "2026-04-02",
    "application_id": "r1",
    "reference_occupation": "Koch",
    "responsible_body": "ihk_fosa",
}

# name: (who opens, counsellor, first contact, steps recorded after)
CASELOAD: dict[str, tuple[Principal, str, str, list[Json]]] = {
    "k1": (COUNSELLOR, "ayse", "2026-01-05", []),
    "k2": (COUNSELLOR, "ayse", "2026-01-05", [ASSESS]),
    "k3": (SECOND_COUNSELLOR, "ben", "2026-02-10", [ENROL]),
    "k4": (SECOND_COUNSELLOR, "ben", "2026-02-10", [ENROL, CLOSING]),
    "k5": (COUNSELLOR, "ayse", "2026-03-01", [APPLY]),
    "k6": (LEAD, "ayse", "2026-01-05", []),
    "k7": (SECOND_COUNSELLOR, "ben", "2026-04-01", []),
    "b1": (OTHER_COUNSELLOR, "carla", "2026-01-05", []),
    "b2": (OTHER_COUNSELLOR, "carla", "2026-02-10", [CLOSING]),
}
KOELN = {name for name in CASELOAD if name.startswith("k")}
BONN = {name for name in CASELOAD if name.startswith("b")}


async def record_caseload(client: Client, tokens: Tokens) -> dict[str, str]:
    """Opens the caseload; answers each case's id by its name."""
    ids = {}
    for name, (who, counsellor, first_contact, steps) in CASELOAD.items():
        headers = tokens.headers(who)
        case = await open_case(client, headers, counsellor=counsellor, first_contact_on=first_contact)
        for step in steps:
            response = await client.post(f"/cases/{case['id']}/steps", json=step, headers=headers)
            assert response.status_code == 201, response.text
        ids[name] = case["id"]
    return ids


async def listed(client: Client, headers: dict[str, str], ids: dict[str, str], **params: str | int) -> list[str]:
    """The names of the cases one page lists, in its order."""
    response = await client.get("/cases", params=params, headers=headers)
    assert response.status_code == 200, response.text
    names = {case_id: name for name, case_id in ids.items()}
    return [names[item["id"]] for item in response.json()["items"]]


async def walk(client: Client, headers: dict[str, str], **params: str | int) -> list[list[Json]]:
    """Every page, following next_cursor until there is none."""
    pages: list[list[Json]] = []
    cursor: str | None = None
    while True:
        query = dict(params) if cursor is None else {**params, "cursor": cursor}
        response = await client.get("/cases", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor does not advance"


async def test_the_list_holds_the_callers_agency_newest_first_contact_first(client: Client, tokens: Tokens) -> None:
    ids = await record_caseload(client, tokens)

    response = await client.get("/cases", headers=tokens.headers(COUNSELLOR))

    page = response.json()
    assert page["next_cursor"] is None
    assert {item["id"] for item in page["items"]} == {ids[name] for name in KOELN}
    opened = [item["opened_on"] for item in page["items"]]
    assert opened == sorted(opened, reverse=True)
    k4 = next(item for item in page["items"] if item["id"] == ids["k4"])
    assert k4 == {
        "id": ids["k4"],
        "agency": "koeln",
        "counsellor": "ben",
        "status": "closed",
        "stage": "closed",
        "opened_on": "2026-02-10",
        "version": 3,
        "name": "Ayşe Yılmaz",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"counsellor": "ben"}, {"k3", "k4", "k7"}, id="counsellor"),
        pytest.param({"status": "closed"}, {"k4"}, id="status-closed"),
        pytest.param({"status": "open"}, KOELN - {"k4"}, id="status-open"),
        pytest.param({"stage": "assessment"}, {"k2"}, id="stage-assessment"),
        pytest.param({"stage": "course"}, {"k3"}, id="stage-course"),
        pytest.param({"stage": "first_contact"}, {"k1", "k6", "k7"}, id="stage-first-contact"),
        pytest.param({"stage": "recognition", "counsellor": "ayse"}, {"k5"}, id="stage-and-counsellor"),
        pytest.param({"counsellor": "carla"}, set(), id="counsellor-of-another-agency"),
        pytest.param({"agency": "bonn"}, KOELN, id="agency-is-ignored-for-agency-tokens"),
    ],
)
async def test_filters(client: Client, tokens: Tokens, params: dict[str, str], expected: set[str]) -> None:
    ids = await record_caseload(client, tokens)

    assert set(await listed(client, tokens.headers(LEAD), ids, **params)) == expected


async def test_the_counsellor_filter_follows_a_reassignment(client: Client, tokens: Tokens) -> None:
    ids = await record_caseload(client, tokens)
    reassign = {"type": "counsellor_assigned", "date": "2026-04-02", "counsellor": "ayse"}
    response = await client.post(f"/cases/{ids['k7']}/steps", json=reassign, headers=tokens.headers(LEAD))
    assert response.status_code == 201

    assert "k7" in await listed(client, tokens.headers(LEAD), ids, counsellor="ayse")
    assert "k7" not in await listed(client, tokens.headers(LEAD), ids, counsellor="ben")


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8])
async def test_pages_walk_every_case_exactly_once(client: Client, tokens: Tokens, limit: int) -> None:
    ids = await record_caseload(client, tokens)

    pages = await walk(client, tokens.headers(AUDITOR), limit=limit)

    walked = [item["id"] for page in pages for item in page]
    assert sorted(walked) == sorted(ids[name] for name in KOELN)
    assert all(len(page) <= limit for page in pages)
    assert all(len(page) == limit for page in pages[:-1])
    keys = [(item["opened_on"], item["id"]) for page in pages for item in page]
    assert [opened for opened, _ in keys] == sorted((opened for opened, _ in keys), reverse=True)


async def test_pages_of_a_filtered_list_keep_the_filter(client: Client, tokens: Tokens) -> None:
    ids = await record_caseload(client, tokens)

    pages = await walk(client, tokens.headers(LEAD), limit=1, counsellor="ayse")

    assert sorted(item["id"] for page in pages for item in page) == sorted(ids[n] for n in ("k1", "k2", "k5", "k6"))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"cursor": "not-a-cursor"}, "cursor", id="garbage-cursor"),
        pytest.param({"cursor": base64.urlsafe_b64encode(b"2026-01-05|k1").decode()}, "cursor", id="forged-cursor"),
        pytest.param({"cursor": base64.urlsafe_b64encode(b"\xff\xfe").decode()}, "cursor", id="binary-cursor"),
        pytest.param({"limit": 0}, "limit", id="limit-zero"),
        pytest.param({"limit": 201}, "limit", id="limit-too-high"),
        pytest.param({"limit": "ten"}, "limit", id="limit-not-a-number"),
        pytest.param({"status": "archived"}, "status", id="unknown-status"),
        pytest.param({"stage": "exit"}, "stage", id="unknown-stage"),
    ],
)
async def test_bad_list_parameters_are_422(client: Client, tokens: Tokens, params: dict[str, str], field: str) -> None:
    response = await client.get("/cases", params=params, headers=tokens.headers(COUNSELLOR))

    assert_problem(response, 422)
    assert field in error_fields(response)


async def test_a_funder_auditor_lists_every_agency_and_filters_by_agency(client: Client, tokens: Tokens) -> None:
    ids = await record_caseload(client, tokens)
    funder = tokens.headers(FUNDER_AUDITOR)

    assert set(await listed(client, funder, ids)) == KOELN | BONN
    assert set(await listed(client, funder, ids, agency="bonn")) == BONN
    assert set(await listed(client, funder, ids, agency="koeln", status="closed")) == {"k4"}
    assert set(await listed(client, funder, ids, status="closed")) == {"k4", "b2"}
    assert await listed(client, funder, ids, agency="nowhere") == []
    pages = await walk(client, funder, limit=2, agency="bonn")
    assert sorted(item["id"] for page in pages for item in page) == sorted(ids[name] for name in BONN)
    every = await walk(client, funder, limit=4)
    assert sorted(item["id"] for page in every for item in page) == sorted(ids.values())


async def test_an_analyst_may_not_list_cases(client: Client, tokens: Tokens) -> None:
    await record_caseload(client, tokens)

    response = await client.get("/cases", headers=tokens.headers(Principal("anya", "analyst", "*")))

    assert_problem(response, 403)
