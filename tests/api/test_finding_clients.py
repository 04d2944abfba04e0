"""Finding clients by name and one person's cases over HTTP (API.md "Finding clients (0.2)", `possible_duplicates`).

The index's contract (keys per agency, nothing in clear, erasure in its transaction, the start-up indexing) is
tested on both backends in tests/integration/test_name_index.py; here the answers, the roles and the access log.
"""

from typing import Any

from tests.api.conftest import Tokens
from tests.api.helpers import (
    ANALYST,
    AUDITOR,
    CLOSING,
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    OTHER_COUNSELLOR,
    Client,
    Json,
    assert_problem,
    case_body,
    error_fields,
    open_case,
    session_step,
)
from tests.api.test_privacy_api import access_log, reads

BIRTH = "1984-09-30"


def person(name: str, birth_date: str | None = BIRTH, **changes: Any) -> dict[str, Any]:
    """The changes to case_body() for a client named `name`, born on `birth_date` (None: only the year known)."""
    profile = dict(case_body()["profile"])
    if birth_date is not None:
        profile = {**profile, "birth_year": None, "birth_date": birth_date}
    return {"personal": {"name": name, "email": "client@example.org"}, "profile": profile, **changes}


async def search(client: Client, tokens: Tokens, q: str, who: Any = COUNSELLOR, **params: Any) -> Json:
    response = await client.get("/cases", params={"q": q, **params}, headers=tokens.headers(who))
    assert response.status_code == 200, response.text
    page: Json = response.json()
    return page


def ids(page: Json) -> list[str]:
    return [item["id"] for item in page["items"]]


async def test_a_first_contact_names_the_agencys_cases_of_the_same_person(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    first = await open_case(client, headers, **person("Jelena Müller"))
    assert first["possible_duplicates"] == []
    assert first["participant_id"] == first["id"]

    second = await open_case(client, headers, **person("JELENA MUELLER", first_contact_on="2026-02-02"))

    assert second["possible_duplicates"] == [first["id"]]
    assert second["participant_id"] == first["id"]  # the funder counts her once
    other_birthday = await open_case(client, headers, **person("Jelena Müller", birth_date="1984-09-29"))
    assert other_birthday["possible_duplicates"] == []
    born_when = await open_case(client, headers, **person("Jelena Müller", birth_date=None))
    assert born_when["possible_duplicates"] == []  # without a birth date nobody is her duplicate
    elsewhere = await open_case(client, tokens.headers(OTHER_COUNSELLOR), **person("Jelena Müller", counsellor="carla"))
    assert elsewhere["possible_duplicates"] == []  # another agency's cases are never named

    # Only the first contact's answer carries it: not a step's, not a read's.
    step = await client.post(f"/cases/{second['id']}/steps", json=session_step("2026-02-03"), headers=headers)
    assert step.status_code == 201, step.text
    assert "possible_duplicates" not in step.json()
    read = await client.get(f"/cases/{second['id']}", headers=headers)
    assert "possible_duplicates" not in read.json()


async def test_a_retried_first_contact_answers_with_its_duplicates(client: Client, tokens: Tokens) -> None:
    first = await open_case(client, tokens.headers(COUNSELLOR), **person("Jelena Müller"))
    headers = tokens.headers(COUNSELLOR, **{"Idempotency-Key": "first-contact-1"})
    body = case_body(**person("Jelena Mueller"))
    answers = [await client.post("/cases", json=body, headers=headers) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[1].headers["Idempotent-Replayed"] == "true"
    assert [answer.json()["possible_duplicates"] for answer in answers] == [[first["id"]], [first["id"]]]


async def test_q_finds_the_client_in_any_spelling_with_her_name_in_the_list(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    mueller = await open_case(client, headers, **person("Jelena Kovač-Müller"))
    await open_case(client, headers, **person("Jelena Petrović"))
    await open_case(client, tokens.headers(OTHER_COUNSELLOR), **person("Jelena Müller", counsellor="carla"))

    for q in ("müller", "MUELLER", "muller jelena", "kovac", "Kovač Müller Jelena"):
        page = await search(client, tokens, q)
        assert ids(page) == [mueller["id"]], q
        assert page["items"][0]["name"] == "Jelena Kovač-Müller"
    assert ids(await search(client, tokens, "müller petrović")) == []  # every word of q
    assert ids(await search(client, tokens, "mül")) == []  # whole words
    assert ids(await search(client, tokens, "muller", who=LEAD)) == [mueller["id"]]
    assert len(ids(await search(client, tokens, "jelena"))) == 2  # her agency's only


async def test_q_combines_with_the_filters_and_the_paging(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    opened = [
        await open_case(client, headers, **person("Mira Haddad", birth_date=None, first_contact_on=f"2026-01-0{day}"))
        for day in (5, 6, 7)
    ]
    await open_case(client, headers, **person("Mira Nassar", birth_date=None))
    closed = await client.post(f"/cases/{opened[0]['id']}/steps", json=CLOSING, headers=headers)
    assert closed.status_code == 201, closed.text

    assert ids(await search(client, tokens, "haddad", status="closed")) == [opened[0]["id"]]
    assert ids(await search(client, tokens, "haddad mira", status="open", counsellor="ayse")) == [
        opened[2]["id"],
        opened[1]["id"],
    ]
    first_page = await search(client, tokens, "haddad", limit=2)
    assert ids(first_page) == [opened[2]["id"], opened[1]["id"]]
    assert first_page["next_cursor"] is not None
    rest = await search(client, tokens, "haddad", limit=2, cursor=first_page["next_cursor"])
    assert ids(rest) == [opened[0]["id"]]
    assert rest["next_cursor"] is None


async def test_only_counsellors_and_leads_search_by_name(client: Client, tokens: Tokens) -> None:
    await open_case(client, tokens.headers(COUNSELLOR), **person("Mira Haddad"))

    for who in (AUDITOR, FUNDER_AUDITOR):
        body = assert_problem(await client.get("/cases", params={"q": "haddad"}, headers=tokens.headers(who)), 403)
        assert "counsellors and leads" in body["detail"]
        assert "auditor" in body["detail"]
    assert_problem(await client.get("/cases", params={"q": "haddad"}, headers=tokens.headers(ANALYST)), 403)
    response = await client.get("/cases", params={"q": " - 42 "}, headers=tokens.headers(COUNSELLOR))
    assert error_fields(response) == ["q"]
    response = await client.get("/cases", params={"q": "x" * 201}, headers=tokens.headers(COUNSELLOR))
    assert error_fields(response) == ["q"]


async def test_names_in_the_list_are_shown_to_counsellors_and_leads_and_each_is_a_logged_read(
    client: Client, tokens: Tokens
) -> None:
    shown = await open_case(client, tokens.headers(COUNSELLOR), **person("Mira Haddad"))
    nameless = await open_case(client, tokens.headers(COUNSELLOR), personal={"email": "x@example.org"})

    as_auditor = await client.get("/cases", headers=tokens.headers(AUDITOR))
    assert {item["name"] for item in as_auditor.json()["items"]} == {None}
    assert (await access_log(client, tokens))["items"] == []  # no name shown: nothing logged

    listed = await client.get("/cases", headers=tokens.headers(COUNSELLOR))
    names = {item["id"]: item["name"] for item in listed.json()["items"]}
    assert names == {shown["id"]: "Mira Haddad", nameless["id"]: None}
    await search(client, tokens, "haddad", who=LEAD)

    log = await access_log(client, tokens)
    assert reads(log) == [
        ("lea", "lead", "koeln", "search", True),
        ("ayse", "counsellor", "koeln", "list", True),
    ]
    assert {item["case_id"] for item in log["items"]} == {shown["id"]}  # the nameless row showed nothing personal
    assert "haddad" not in str(log).casefold()  # what was searched for is a name: not kept


async def test_after_the_erasure_q_and_possible_duplicates_never_find_her(client: Client, tokens: Tokens) -> None:
    erased = await open_case(client, tokens.headers(COUNSELLOR), **person("Mira Haddad"))
    assert ids(await search(client, tokens, "haddad")) == [erased["id"]]

    response = await client.delete(f"/cases/{erased['id']}/personal-data", headers=tokens.headers(LEAD))
    assert response.status_code == 204, response.text

    assert ids(await search(client, tokens, "haddad")) == []
    assert ids(await search(client, tokens, "mira haddad", who=LEAD)) == []
    again = await open_case(client, tokens.headers(COUNSELLOR), **person("Mira Haddad"))
    assert again["possible_duplicates"] == []
    listed = await client.get("/cases", headers=tokens.headers(COUNSELLOR))
    names = {item["id"]: item["name"] for item in listed.json()["items"]}
    assert names == {erased["id"]: None, again["id"]: "Mira Haddad"}


async def test_the_openapi_schema_documents_q_the_name_and_the_duplicates_of_a_first_contact_only(
    client: Client,
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]

    def answer_schema(path: str, method: str, status: str) -> str:
        content = schema["paths"][path][method]["responses"][status]["content"]
        return str(next(iter(content.values()))["schema"]["$ref"]).rsplit("/", 1)[-1]

    opened = answer_schema("/cases", "post", "201")
    assert "possible_duplicates" in components[opened]["properties"]
    assert "possible_duplicates" in components[opened]["required"]
    for path, method, status in (("/cases/{case_id}/steps", "post", "201"), ("/cases/{case_id}", "get", "200")):
        assert "possible_duplicates" not in components[answer_schema(path, method, status)]["properties"]
    q = next(parameter for parameter in schema["paths"]["/cases"]["get"]["parameters"] if parameter["name"] == "q")
    assert "counsellors and leads" in q["description"].casefold()
    assert "name" in components["CaseListItem"]["properties"]
