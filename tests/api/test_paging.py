"""GET /deadlines and GET /caseload in pages (`limit`, `cursor`, `total`), and as release 0.1 answered without them."""

import base64
from typing import Any

import pytest

from application.ports import Principal
from tests.api.conftest import Tokens
from tests.api.helpers import (
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    OTHER_COUNSELLOR,
    SECOND_COUNSELLOR,
    Client,
    assert_problem,
    case_body,
    error_fields,
)

# (who opens, counsellor, first contact): the no-contact deadline of each is due 60 days after it.
OPENED = [
    (COUNSELLOR, "ayse", "2026-01-05"),
    (COUNSELLOR, "ayse", "2026-02-10"),
    (SECOND_COUNSELLOR, "ben", "2026-01-20"),
    (COUNSELLOR, "ayse", "2026-05-20"),
    (SECOND_COUNSELLOR, "ben", "2026-03-03"),
    (COUNSELLOR, "ayse", "2026-01-05"),
    (SECOND_COUNSELLOR, "ben", "2026-05-28"),
    (OTHER_COUNSELLOR, "carla", "2026-02-01"),
    (OTHER_COUNSELLOR, "carla", "2026-04-01"),
]


async def open_cases(client: Client, tokens: Tokens, opened: list[tuple[Principal, str, str]] = OPENED) -> int:
    """Opens the cases; answers the log position of the last, to read the views at."""
    position = 0
    for who, counsellor, first_contact in opened:
        body = case_body(counsellor=counsellor, first_contact_on=first_contact)
        response = await client.post("/cases", json=body, headers=tokens.headers(who))
        assert response.status_code == 201, response.text
        position = max(position, int(response.headers["lotse-position"]))
    return position


async def get(client: Client, tokens: Tokens, who: Principal, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params, headers=tokens.headers(who))
    assert response.status_code == 200, response.text
    return response.json()


async def walk(client: Client, tokens: Tokens, who: Principal, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every page from the first to the one whose next_cursor is null; each carries the same total."""
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await get(client, tokens, who, path, **params, **({"cursor": cursor} if cursor else {}))
        assert set(page) == {"items", "total", "next_cursor"}
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 50, "the cursor does not advance"
    assert len({page["total"] for page in pages}) == 1
    return pages


async def test_without_limit_or_cursor_both_answer_release_0_1s_whole_list(client: Client, tokens: Tokens) -> None:
    position = await open_cases(client, tokens)

    deadlines = await get(client, tokens, LEAD, "/deadlines", min_position=position)
    caseload = await get(client, tokens, LEAD, "/caseload", min_position=position)

    assert isinstance(deadlines, list)
    assert len(deadlines) == 7  # koeln's seven no-contact deadlines, beyond any default page size of a small list
    assert set(deadlines[0]) == {"case_id", "counsellor", "kind", "ref", "due", "overdue"}
    assert caseload == [
        {"counsellor": "ayse", "open": 4, "by_stage": {"first_contact": 4}, "overdue": 3, "agency": "koeln"},
        {"counsellor": "ben", "open": 3, "by_stage": {"first_contact": 3}, "overdue": 2, "agency": "koeln"},
    ]


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 500])
async def test_deadline_pages_walk_the_whole_list_once_in_order(client: Client, tokens: Tokens, limit: int) -> None:
    position = await open_cases(client, tokens)
    whole = await get(client, tokens, LEAD, "/deadlines", min_position=position)

    pages = await walk(client, tokens, LEAD, "/deadlines", limit=limit)

    assert [item for page in pages for item in page["items"]] == whole
    assert all(len(page["items"]) == limit for page in pages[:-1])
    assert 0 < len(pages[-1]["items"]) <= limit
    assert pages[0]["total"] == len(whole) == 7
    assert [item["due"] for item in whole] == sorted(item["due"] for item in whole)


@pytest.mark.parametrize(
    ("who", "params", "expected"),
    [
        pytest.param(LEAD, {"counsellor": "ben"}, 3, id="a-lead-filters-by-counsellor"),
        pytest.param(COUNSELLOR, {}, 4, id="a-counsellor-reads-her-own"),
        pytest.param(LEAD, {"due_before": "2026-04-12"}, 4, id="due-before"),
        pytest.param(LEAD, {"due_before": "2026-04-12", "counsellor": "ayse"}, 3, id="due-before-and-counsellor"),
        pytest.param(LEAD, {"counsellor": "carla"}, 0, id="a-counsellor-of-another-agency"),
        pytest.param(FUNDER_AUDITOR, {}, 9, id="a-funders-auditor-reads-every-agency"),
        pytest.param(FUNDER_AUDITOR, {"agency": "bonn"}, 2, id="a-funders-auditor-reads-one-agency"),
    ],
)
async def test_deadline_pages_keep_the_filters(
    client: Client, tokens: Tokens, who: Principal, params: dict[str, str], expected: int
) -> None:
    position = await open_cases(client, tokens)
    whole = await get(client, tokens, who, "/deadlines", min_position=position, **params)

    pages = await walk(client, tokens, who, "/deadlines", limit=2, **params)

    assert [item for page in pages for item in page["items"]] == whole
    assert pages[0]["total"] == len(whole) == expected


async def test_caseload_pages_walk_the_counsellors_by_name(client: Client, tokens: Tokens) -> None:
    position = await open_cases(client, tokens)
    whole = await get(client, tokens, FUNDER_AUDITOR, "/caseload", min_position=position)

    pages = await walk(client, tokens, FUNDER_AUDITOR, "/caseload", limit=1)

    assert [item for page in pages for item in page["items"]] == whole
    assert [item["counsellor"] for item in whole] == ["ayse", "ben", "carla"]
    assert [page["total"] for page in pages] == [3, 3, 3]
    mine = await get(client, tokens, COUNSELLOR, "/caseload", limit=10)
    assert mine == {"items": [whole[0]], "total": 1, "next_cursor": None}


async def test_caseload_rows_name_their_agency_and_a_cursor_of_before_them_goes_on_after_its_counsellor(
    client: Client, tokens: Tokens
) -> None:
    position = await open_cases(client, tokens)
    whole = await get(client, tokens, FUNDER_AUDITOR, "/caseload", min_position=position)
    # A cursor as handed out while a caseload was one row per name (before the rows named their agency).
    earlier = base64.urlsafe_b64encode(b'["caseload","ayse"]').decode().rstrip("=")

    following = await get(client, tokens, FUNDER_AUDITOR, "/caseload", cursor=earlier, limit=10)

    assert [(item["agency"], item["counsellor"]) for item in whole] == [
        ("koeln", "ayse"),
        ("koeln", "ben"),
        ("bonn", "carla"),
    ]
    assert following["items"] == whole[1:]


async def test_a_cursor_alone_asks_for_pages_of_the_default_size(client: Client, tokens: Tokens) -> None:
    many = [(COUNSELLOR, "ayse", f"2026-0{1 + index % 5}-{10 + index % 17:02d}") for index in range(105)]
    position = await open_cases(client, tokens, many)
    first = await get(client, tokens, LEAD, "/deadlines", limit=1, min_position=position)

    following = await get(client, tokens, LEAD, "/deadlines", cursor=first["next_cursor"])

    assert len(following["items"]) == 100
    assert following["total"] == 105
    rest = await get(client, tokens, LEAD, "/deadlines", cursor=following["next_cursor"])
    assert (len(rest["items"]), rest["next_cursor"]) == (4, None)


async def test_a_page_follows_on_where_the_last_ended_while_cases_are_opened(client: Client, tokens: Tokens) -> None:
    position = await open_cases(client, tokens)
    first = await get(client, tokens, LEAD, "/deadlines", limit=3, min_position=position)
    # One deadline before the page's end and one after it, recorded between the two requests.
    position = await open_cases(client, tokens, [(COUNSELLOR, "ayse", "2026-01-01"), (LEAD, "ben", "2026-05-30")])

    following = await get(client, tokens, LEAD, "/deadlines", cursor=first["next_cursor"], min_position=position)

    whole = await get(client, tokens, LEAD, "/deadlines")
    assert following["total"] == len(whole) == 9
    last_shown = whole.index(first["items"][-1])
    assert following["items"] == whole[last_shown + 1 :]  # the earlier one is not read again; the later one is


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        pytest.param("/deadlines", {"cursor": "not-a-cursor"}, "cursor", id="deadlines-garbage"),
        pytest.param("/caseload", {"cursor": "bm90IGpzb24"}, "cursor", id="caseload-not-json"),
        pytest.param("/deadlines", {"limit": "0"}, "limit", id="limit-zero"),
        pytest.param("/caseload", {"limit": "501"}, "limit", id="limit-over-500"),
        pytest.param("/deadlines", {"limit": "ten"}, "limit", id="limit-not-a-number"),
        pytest.param("/deadlines", {"cursor": "x" * 1001}, "cursor", id="cursor-too-long"),
    ],
)
async def test_bad_paging_is_422_naming_the_parameter(
    client: Client, tokens: Tokens, path: str, params: dict[str, str], field: str
) -> None:
    response = await client.get(path, params=params, headers=tokens.headers(LEAD))

    assert_problem(response, 422)
    assert error_fields(response) == [field]


async def test_a_cursor_of_one_listing_is_refused_by_the_other(client: Client, tokens: Tokens) -> None:
    position = await open_cases(client, tokens)
    caseload = await get(client, tokens, LEAD, "/caseload", limit=1, min_position=position)
    deadlines = await get(client, tokens, LEAD, "/deadlines", limit=1)

    for path, cursor in (("/deadlines", caseload["next_cursor"]), ("/caseload", deadlines["next_cursor"])):
        response = await client.get(path, params={"cursor": cursor}, headers=tokens.headers(LEAD))
        assert_problem(response, 422)
        assert error_fields(response) == ["cursor"]


async def test_an_empty_listing_is_one_empty_page(client: Client, tokens: Tokens) -> None:
    for path in ("/deadlines", "/caseload"):
        assert await get(client, tokens, LEAD, path, limit=5) == {"items": [], "total": 0, "next_cursor": None}


async def test_the_schema_documents_both_answers_and_the_paging_parameters(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]

    for path, item in (("/deadlines", "DeadlineView"), ("/caseload", "CaseloadView")):
        operation = schema["paths"][path]["get"]
        limit = next(parameter for parameter in operation["parameters"] if parameter["name"] == "limit")
        assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 500)
        assert "release 0.1" in limit["description"]
        assert any(parameter["name"] == "cursor" for parameter in operation["parameters"])
        answers = operation["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"]
        assert {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}} in answers
        page = components[answers[1]["$ref"].rsplit("/", 1)[1]]
        assert set(page["required"]) == {"items", "total", "next_cursor"}
        assert "JSON array" in operation["description"]
