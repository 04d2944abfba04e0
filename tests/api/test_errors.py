"""Every class of error a client can cause: the status, the problem document, and that nothing was recorded."""

import json
from typing import Any
from uuid import uuid4

import pytest

from application.ports import Principal
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.api.conftest import Tokens
from tests.api.helpers import (
    AGENCY,
    CLOSING,
    COUNSELLOR,
    LEAD,
    Client,
    Json,
    assert_nothing_recorded,
    assert_problem,
    case_body,
    error_fields,
    log_position,
    open_case,
    session_step,
)

DAY = "2026-02-02"


def step(step_type: str, **fields: Any) -> Json:
    return {"type": step_type, "date": DAY, **fields}


CLOSING_WITHOUT_EMPLOYED = {**CLOSING, "situation": {**CLOSING["situation"]}}
del CLOSING_WITHOUT_EMPLOYED["situation"]["employed"]

INVALID_STEPS = [
    pytest.param(step("counselling_held", minutes=30), "type", id="unknown-type"),
    pytest.param({"date": DAY, "minutes": 30}, "type", id="missing-type"),
    pytest.param(step("assessment_started", assessment_id="a1", instrument="tarot"), "instrument", id="wrong-enum"),
    pytest.param(step("profile_corrected", profile={"gender": "f"}), "profile.gender", id="wrong-nested-enum"),
    pytest.param(step("counselling_session_held"), "minutes", id="missing-field"),
    pytest.param(CLOSING_WITHOUT_EMPLOYED, "situation.employed", id="missing-nested-field"),
    pytest.param(session_step(DAY, mood="fine"), "mood", id="unknown-field"),
    pytest.param(step("profile_corrected", profile={"eye_colour": "brown"}), "profile.eye_colour", id="unknown-nested"),
    pytest.param(session_step("02.02.2026"), "date", id="wrong-date-format"),
    pytest.param(session_step("2026-02-30"), "date", id="impossible-date"),
    pytest.param(
        step("recognition_deadline_extended", application_id="r1", due="2026/06/02", reason="x"),
        "due",
        id="wrong-date-format-in-due",
    ),
    pytest.param(session_step(DAY, minutes="sixty"), "minutes", id="wrong-type"),
    pytest.param(session_step(DAY, minutes=0), "minutes", id="below-range"),
    pytest.param(step("profile_corrected", profile={"isced": 9}), "profile.isced", id="above-range-nested"),
    pytest.param(step("case_reopened", reason="x" * 201), "reason", id="over-long-string"),
    pytest.param(session_step(DAY, note="x" * 4001), "note", id="over-long-text"),
    pytest.param(session_step(DAY, topics=["x" * 201]), "topics.0", id="over-long-string-in-list"),
    pytest.param(session_step(DAY, topics=["topic"] * 51), "topics", id="too-long-list"),
    pytest.param(
        step("recognition_receipt_confirmed", application_id="r1", missing_documents=["document"] * 51),
        "missing_documents",
        id="too-long-document-list",
    ),
    pytest.param(step("assessment_started", assessment_id="a 1", instrument="other"), "assessment_id", id="bad-id"),
    pytest.param(step("counsellor_assigned", counsellor=""), "counsellor", id="empty-subject"),
]

INVALID_CASES = [
    pytest.param({"profile": None}, "profile", id="null-profile"),
    pytest.param({"channel": "fax"}, "channel", id="wrong-enum"),
    pytest.param({"referral_source": "friend"}, "referral_source", id="wrong-enum-2"),
    pytest.param({"first_contact_on": "05.01.2026"}, "first_contact_on", id="wrong-date-format"),
    pytest.param({"counsellor": "a b"}, "counsellor", id="bad-subject"),
    pytest.param({"nickname": "Ayşe"}, "nickname", id="unknown-field"),
    pytest.param({"personal": {"name": "x" * 201}}, "personal.name", id="over-long-string"),
    pytest.param({"personal": {"shoe_size": 38}}, "personal.shoe_size", id="unknown-nested-field"),
    pytest.param({"consent": {"special_categories": "yes"}}, "consent.special_categories", id="wrong-type-nested"),
]


@pytest.mark.parametrize(("body", "field"), INVALID_STEPS)
async def test_an_invalid_step_is_422_naming_the_field_and_records_nothing(
    client: Client, tokens: Tokens, body: Json, field: str
) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    head = await log_position(client)

    response = await client.post(f"/cases/{case['id']}/steps", json=body, headers=headers)

    problem = assert_problem(response, 422)
    assert field in error_fields(response), problem
    await assert_nothing_recorded(client, case["id"], headers, 1, head)


@pytest.mark.parametrize(("changes", "field"), INVALID_CASES)
async def test_an_invalid_first_contact_is_422_naming_the_field_and_opens_nothing(
    client: Client, tokens: Tokens, changes: Json, field: str
) -> None:
    headers = tokens.headers(COUNSELLOR)
    body = case_body()
    body.update(changes)

    response = await client.post("/cases", json=body, headers=headers)

    problem = assert_problem(response, 422)
    assert field in error_fields(response), problem
    assert (await client.get("/cases", headers=headers)).json()["items"] == []
    assert await log_position(client) == 0


async def test_a_missing_nested_field_of_a_first_contact_is_named_by_its_path(client: Client, tokens: Tokens) -> None:
    body = case_body()
    del body["profile"]["gender"]

    response = await client.post("/cases", json=body, headers=tokens.headers(COUNSELLOR))

    assert "profile.gender" in error_fields(response)


MALFORMED = [
    pytest.param(b"{not json", id="bare-word"),
    pytest.param(b'{"type": "counselling_session_held", "date": "2026-02-02"', id="truncated"),
    pytest.param(b"{'type': 'counselling_session_held'}", id="single-quotes"),
    pytest.param(b'{"type": "counselling_session_held",}', id="trailing-comma"),
    pytest.param(b'{"type": "counselling_session_held", "date": "2026-02-02", "minutes": NaN}', id="nan"),
    pytest.param(b"\xff\xfe{}", id="not-utf8"),
]


@pytest.mark.parametrize("content", MALFORMED)
async def test_malformed_json_is_400_and_records_nothing(client: Client, tokens: Tokens, content: bytes) -> None:
    headers = tokens.headers(COUNSELLOR, **{"Content-Type": "application/json"})
    case = await open_case(client, headers)
    head = await log_position(client)

    on_steps = await client.post(f"/cases/{case['id']}/steps", content=content, headers=headers)
    on_cases = await client.post("/cases", content=content, headers=headers)

    assert_problem(on_steps, 400)
    assert_problem(on_cases, 400)
    await assert_nothing_recorded(client, case["id"], headers, 1, head)


INVALID_BY_RULE = [
    pytest.param(session_step("2026-06-02"), "date_not_in_future", "date", id="future-date"),
    pytest.param(session_step("2026-01-04"), "date_before_first_contact", "date", id="before-first-contact"),
    pytest.param(
        step("profile_corrected", profile={"disability": "yes"}),
        "special_category_needs_consent",
        "profile.disability",
        id="special-category-without-consent",
    ),
    pytest.param(step("profile_corrected", profile={}), "correction_changes_something", "profile", id="empty-fix"),
]


@pytest.mark.parametrize(("body", "rule", "field"), INVALID_BY_RULE)
async def test_a_step_breaking_a_rule_of_its_own_is_422_with_the_rule_and_records_nothing(
    client: Client, tokens: Tokens, body: Json, rule: str, field: str
) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    head = await log_position(client)

    response = await client.post(f"/cases/{case['id']}/steps", json=body, headers=headers)

    assert_problem(response, 422, rule=rule)
    assert field in error_fields(response)
    await assert_nothing_recorded(client, case["id"], headers, 1, head)


@pytest.mark.parametrize(
    ("changes", "rule", "field"),
    [
        pytest.param({"first_contact_on": "2026-06-02"}, "date_not_in_future", "first_contact_on", id="future"),
        pytest.param(
            {"profile": {**case_body()["profile"], "minority": "no"}},
            "special_category_needs_consent",
            "profile.minority",
            id="special-category-without-consent",
        ),
    ],
)
async def test_a_first_contact_breaking_a_rule_is_422_with_the_rule_and_opens_nothing(
    client: Client, tokens: Tokens, changes: Json, rule: str, field: str
) -> None:
    headers = tokens.headers(COUNSELLOR)

    response = await client.post("/cases", json=case_body(**changes), headers=headers)

    assert_problem(response, 422, rule=rule)
    assert field in error_fields(response)
    assert await log_position(client) == 0


ENROL = step("course_enrolled", course_id="c1", kind="language", provider="VHS Köln", funding="esf")
APPLY_EXAM = step("exam_admission_applied", exam_id="e1", route="external_exam", occupation="Koch", chamber="ihk")
REASSIGN = step("counsellor_assigned", counsellor="ben")

CONFLICTS = [
    pytest.param([CLOSING], COUNSELLOR, session_step("2026-05-16"), "case_closed", id="step-on-closed-case"),
    pytest.param(
        [],
        COUNSELLOR,
        step("recognition_decided", application_id="r1", outcome="full"),
        "decision_needs_application",
        id="decision-without-application",
    ),
    pytest.param(
        [ENROL, step("course_completed", course_id="c1", certificate=True)],
        COUNSELLOR,
        step("course_dropped", course_id="c1", reason="moved"),
        "course_ends_once",
        id="course-ending-twice",
    ),
    pytest.param(
        [APPLY_EXAM],
        COUNSELLOR,
        step("exam_result_recorded", exam_id="e1", result="passed"),
        "result_needs_admission_granted",
        id="result-without-admission",
    ),
    pytest.param(
        [],
        COUNSELLOR,
        step("follow_up_recorded", employed=True, improved_situation=True),
        "follow_up_after_exit",
        id="follow-up-before-exit",
    ),
    pytest.param(
        [step("assessment_started", assessment_id="a1", instrument="myskills")],
        COUNSELLOR,
        step("assessment_started", assessment_id="a1", instrument="other"),
        "assessment_id_unique",
        id="assessment-id-twice",
    ),
    pytest.param(
        [],
        LEAD,
        {**REASSIGN, "counsellor": "nobody"},
        "counsellor_active_in_agency",
        id="reassign-to-stranger",
    ),
    pytest.param(
        [],
        LEAD,
        {**REASSIGN, "counsellor": "carla"},
        "counsellor_active_in_agency",
        id="reassign-to-other-agency",
    ),
    pytest.param([], LEAD, {**REASSIGN, "counsellor": "ayse"}, "reassignment_changes_counsellor", id="reassign-same"),
]


@pytest.mark.parametrize(("before", "who", "body", "rule"), CONFLICTS)
async def test_a_step_conflicting_with_the_case_is_409_with_the_rule_and_records_nothing(
    client: Client, tokens: Tokens, before: list[Json], who: Principal, body: Json, rule: str
) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    for earlier in before:
        assert (await client.post(f"/cases/{case['id']}/steps", json=earlier, headers=headers)).status_code == 201
    version = 1 + len(before)
    head = await log_position(client)

    response = await client.post(f"/cases/{case['id']}/steps", json=body, headers=tokens.headers(who))

    problem = assert_problem(response, 409, rule=rule)
    assert rule in problem["rule"]
    await assert_nothing_recorded(client, case["id"], headers, version, head)


async def test_opening_a_case_for_a_stranger_is_409(client: Client, tokens: Tokens) -> None:
    response = await client.post("/cases", json=case_body(counsellor="nobody"), headers=tokens.headers(COUNSELLOR))

    assert_problem(response, 409, rule="counsellor_active_in_agency")
    assert await log_position(client) == 0


async def test_a_body_over_the_limit_is_413_and_records_nothing(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    head = await log_position(client)
    padding = "x" * (64 * 1024)

    on_steps = await client.post(f"/cases/{case['id']}/steps", json=session_step(DAY, note=padding), headers=headers)
    on_cases = await client.post("/cases", json=case_body(personal={"name": padding}), headers=headers)

    assert_problem(on_steps, 413)
    assert_problem(on_cases, 413)
    await assert_nothing_recorded(client, case["id"], headers, 1, head)


async def test_a_body_just_under_the_limit_is_read(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    body = json.dumps(session_step(DAY, note="x" * 4000)).encode()
    body += b" " * (64 * 1024 - len(body))

    response = await client.post(
        f"/cases/{case['id']}/steps", content=body, headers={**headers, "Content-Type": "application/json"}
    )

    assert response.status_code == 201, response.text


async def test_an_unknown_case_is_404_on_every_case_endpoint(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(LEAD)
    await open_case(client, headers)
    head = await log_position(client)
    unknown = uuid4()

    answers = [
        await client.get(f"/cases/{unknown}", headers=headers),
        await client.get(f"/cases/{unknown}", params={"as_of_version": 1}, headers=headers),
        await client.get(f"/cases/{unknown}/history", headers=headers),
        await client.post(f"/cases/{unknown}/steps", json=session_step(DAY), headers=headers),
        await client.delete(f"/cases/{unknown}/personal-data", headers=headers),
        await client.get("/cases/not-a-case-id", headers=headers),
    ]

    for response in answers:
        assert_problem(response, 404)
    assert await log_position(client) == head


async def test_past_state_queries_are_checked(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    path = f"/cases/{case['id']}"

    assert "as_of_version" in error_fields(await client.get(path, params={"as_of_version": 0}, headers=headers))
    assert "as_of_version" in error_fields(await client.get(path, params={"as_of_version": "one"}, headers=headers))
    assert "as_of" in error_fields(await client.get(path, params={"as_of": "2026-06-01"}, headers=headers))
    assert "as_of" in error_fields(await client.get(path, params={"as_of": "2026-06-01T08:00:00"}, headers=headers))
    both = {"as_of": "2026-06-01T08:00:00Z", "as_of_version": 1}
    assert "as_of" in error_fields(await client.get(path, params=both, headers=headers))
    assert_problem(await client.get(path, params={"as_of_version": 2}, headers=headers), 404)


@pytest.fixture
def ben_left(settings: Settings, staff: None) -> None:
    """Ben has left the agency: the operator deactivated him in the staff directory."""
    lotse = bootstrap(settings)
    try:
        assert lotse.staff.deactivate(AGENCY, "ben")
    finally:
        lotse.close()


async def test_a_case_cannot_be_assigned_to_a_counsellor_who_left(
    ben_left: None, client: Client, tokens: Tokens
) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    head = await log_position(client)

    reassigned = await client.post(f"/cases/{case['id']}/steps", json=REASSIGN, headers=tokens.headers(LEAD))
    opened_for_him = await client.post("/cases", json=case_body(counsellor="ben"), headers=tokens.headers(COUNSELLOR))

    assert_problem(reassigned, 409, rule="counsellor_active_in_agency")
    assert_problem(opened_for_him, 409, rule="counsellor_active_in_agency")
    await assert_nothing_recorded(client, case["id"], tokens.headers(LEAD), 1, head)
