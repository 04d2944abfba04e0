"""Release 0.2's case rules over HTTP (issue 14): each new refusal answers its status, names its rule and the
offending field, and records nothing; the paths 0.2 opens are accepted and show in the case."""

from typing import Any

import pytest

from application.ports import Principal
from tests.api.conftest import Tokens
from tests.api.helpers import (
    AUDITOR,
    COUNSELLOR,
    LEAD,
    PERSONAL,
    Client,
    Json,
    assert_nothing_recorded,
    assert_problem,
    case_body,
    log_position,
    open_case,
    read_case,
)


def step(step_type: str, day: str, **fields: Any) -> Json:
    return {"type": step_type, "date": day, **fields}


def situation(**changes: bool) -> Json:
    return {
        "job_searching": True,
        "in_education_or_training": False,
        "qualification_gained": False,
        "employed": False,
        **changes,
    }


def profile(**changes: Any) -> Json:
    """The profile of `case_body()` with `changes`; a value of None leaves the attribute out."""
    fields = {**case_body()["profile"], **changes}
    return {name: value for name, value in fields.items() if value is not None}


# A non-regulated occupation's application r1: documents complete on 2 February, decision due 2 May.
APPLY = step(
    "recognition_applied",
    "2026-01-20",
    application_id="r1",
    reference_occupation="Kaufmann im Einzelhandel",
    responsible_body="ihk_fosa",
)
RECEIPT = step("recognition_receipt_confirmed", "2026-01-27", application_id="r1", missing_documents=["Zeugnis"])
COMPLETE = step("recognition_documents_completed", "2026-02-02", application_id="r1")
RUNNING = [APPLY, RECEIPT, COMPLETE]
EXTEND = step("recognition_deadline_extended", "2026-02-20", application_id="r1", due="2026-06-02", reason="expert")
SUSPEND = step("recognition_deadline_suspended", "2026-02-16", application_id="r1", reason="documents_requested")
RESUME = step("recognition_deadline_resumed", "2026-03-02", application_id="r1")
WITHDRAW = step("recognition_withdrawn", "2026-01-25", application_id="r1")
PARTIAL = step(
    "recognition_decided",
    "2026-03-02",
    application_id="r1",
    outcome="partial",
    compensation="adaptation_qualification",
)
FULL = step("recognition_decided", "2026-04-13", application_id="r1", outcome="full")
ENROL_COMPENSATION = step(
    "course_enrolled",
    "2026-03-09",
    course_id="c1",
    kind="adaptation_qualification",
    provider="Bildungswerk Köln",
    funding="esf",
    application_id="r1",
)
COMPLETE_COMPENSATION = step("course_completed", "2026-04-10", course_id="c1", certificate=True)

ADMIT = [
    step("exam_admission_applied", "2026-02-02", exam_id="e1", route="external_exam", occupation="Koch", chamber="ihk"),
    step("exam_admission_decided", "2026-02-09", exam_id="e1", granted=True),
]


def result(day: str, outcome: str = "failed") -> Json:
    return step("exam_result_recorded", day, exam_id="e1", result=outcome)


CLOSE = step("case_closed", "2026-04-01", reason="no_contact", situation=situation())
CLOSE_EXCLUSIVE = {**CLOSE, "situation": situation(employed=True)}


def follow_up(day: str = "2026-04-20", **fields: Any) -> Json:
    return step("follow_up_recorded", day, **fields)


def learnt(day: str, **changes: bool) -> Json:
    return step("leaving_situation_recorded", day, situation=situation(**changes))


def assert_names_field(problem: Json, field: str) -> None:
    named = [error["field"] for error in problem.get("errors") or []]
    assert all(error["message"] for error in problem.get("errors") or []), problem
    assert field in named, f"{field!r} not among the named fields {named}: {problem}"


# (steps before, the refused step, status, rule, field)
REFUSED_STEPS = [
    pytest.param(
        [], CLOSE_EXCLUSIVE, 422, "leaving_situation_exclusive", "situation.job_searching", id="closing-exclusive"
    ),
    pytest.param(
        [CLOSE],
        learnt("2026-04-08", self_employed=True),
        422,
        "leaving_situation_exclusive",
        "situation.job_searching",
        id="learnt-situation-exclusive",
    ),
    pytest.param(
        [CLOSE],
        learnt("2026-04-30", job_searching=False, employed=True),
        409,
        "leaving_situation_window",
        "date",
        id="leaving-situation-29-days-after-exit",
    ),
    pytest.param(
        [],
        learnt("2026-04-08", job_searching=False, employed=True),
        409,
        "leaving_situation_window",
        "date",
        id="leaving-situation-without-exit",
    ),
    pytest.param(
        [*RUNNING, EXTEND],
        {**EXTEND, "date": "2026-03-02", "due": "2026-07-02"},
        409,
        "deadline_extended_once",
        "application_id",
        id="second-extension",
    ),
    pytest.param(
        [*RUNNING, PARTIAL, ENROL_COMPENSATION],
        FULL,
        409,
        "final_decision_needs_completed_compensation",
        "outcome",
        id="final-decision-while-course-runs",
    ),
    pytest.param(
        [*RUNNING, PARTIAL, ENROL_COMPENSATION, COMPLETE_COMPENSATION],
        {**PARTIAL, "date": "2026-04-13"},
        409,
        "final_decision_needs_completed_compensation",
        "outcome",
        id="final-decision-not-full",
    ),
    pytest.param(
        [*RUNNING, {**PARTIAL, "outcome": "none", "compensation": "none"}],
        FULL,
        409,
        "final_decision_needs_completed_compensation",
        "outcome",
        id="second-decision-after-none",
    ),
    pytest.param(
        [APPLY, RECEIPT],
        SUSPEND,
        409,
        "suspension_needs_running_deadline",
        "application_id",
        id="suspension-before-documents-complete",
    ),
    pytest.param(
        [*RUNNING, SUSPEND],
        {**SUSPEND, "date": "2026-02-23"},
        409,
        "deadline_suspended_already",
        "application_id",
        id="suspension-twice",
    ),
    pytest.param(
        RUNNING,
        RESUME,
        409,
        "resumption_needs_suspension",
        "application_id",
        id="resumption-without-suspension",
    ),
    pytest.param(
        [*RUNNING, SUSPEND, RESUME],
        {**RESUME, "date": "2026-03-09"},
        409,
        "resumption_needs_suspension",
        "application_id",
        id="resumption-twice",
    ),
    pytest.param(
        [APPLY, WITHDRAW],
        {**PARTIAL, "outcome": "full", "compensation": "none"},
        409,
        "application_withdrawn",
        "application_id",
        id="decision-after-withdrawal",
    ),
    pytest.param(
        [APPLY, WITHDRAW],
        {**WITHDRAW, "date": "2026-01-26"},
        409,
        "application_withdrawn",
        "application_id",
        id="withdrawal-twice",
    ),
    pytest.param(
        [APPLY, WITHDRAW],
        {**ENROL_COMPENSATION, "date": "2026-02-02"},
        409,
        "application_withdrawn",
        "application_id",
        id="compensation-of-withdrawn-application",
    ),
    pytest.param(
        [*ADMIT, result("2026-03-02"), result("2026-04-06"), result("2026-05-04")],
        result("2026-05-25", "passed"),
        409,
        "exam_attempts_exhausted",
        "exam_id",
        id="fourth-attempt",
    ),
    pytest.param(
        [CLOSE],
        follow_up(outcome="unreachable", employed=False),
        422,
        "follow_up_situation_only_when_reached",
        "employed",
        id="unreachable-but-employed",
    ),
    pytest.param(
        [CLOSE],
        follow_up(outcome="refused", improvement="none"),
        422,
        "follow_up_situation_only_when_reached",
        "improvement",
        id="refused-but-improvement",
    ),
    pytest.param(
        [CLOSE],
        follow_up(improved_situation=True),
        422,
        "follow_up_needs_situation",
        "employed",
        id="reached-without-employed",
    ),
    pytest.param(
        [CLOSE],
        follow_up(outcome="reached", employed=True),
        422,
        "follow_up_needs_situation",
        "improved_situation",
        id="reached-without-improvement",
    ),
    pytest.param(
        [CLOSE],
        follow_up(employed=True, improvement="none", improved_situation=True),
        422,
        "improvement_matches_improved_situation",
        "improved_situation",
        id="improvement-none-but-improved",
    ),
    pytest.param(
        [CLOSE],
        follow_up(employed=True, improvement="higher_skilled", improved_situation=False),
        422,
        "improvement_matches_improved_situation",
        "improved_situation",
        id="improvement-but-not-improved",
    ),
    pytest.param(
        [CLOSE],
        follow_up("2026-04-20", reference_date="2026-04-21", employed=True, improved_situation=False),
        422,
        "reference_date_not_after_date",
        "reference_date",
        id="reference-date-after-date",
    ),
    pytest.param(
        [],
        step("profile_corrected", "2026-01-06", profile={"birth_date": "1985-03-10", "birth_year": 1984}),
        422,
        "birth_year_matches_birth_date",
        "profile.birth_year",
        id="correction-birth-year-contradicts-birth-date",
    ),
    pytest.param(
        [],
        step("profile_corrected", "2026-01-06", profile={"arrival_year": 1984}),
        422,
        "arrival_year_plausible",
        "profile.arrival_year",
        id="correction-arrival-before-birth",
    ),
]


@pytest.mark.parametrize(("before", "body", "status", "rule", "field"), REFUSED_STEPS)
async def test_a_step_refused_by_a_rule_of_0_2_names_the_rule_and_the_field_and_records_nothing(
    client: Client, tokens: Tokens, before: list[Json], body: Json, status: int, rule: str, field: str
) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    for earlier in before:
        recorded = await client.post(f"/cases/{case['id']}/steps", json=earlier, headers=headers)
        assert recorded.status_code == 201, recorded.text
    version, head = 1 + len(before), await log_position(client)

    response = await client.post(f"/cases/{case['id']}/steps", json=body, headers=headers)

    problem = assert_problem(response, status, rule=rule)
    await assert_nothing_recorded(client, case["id"], headers, version, head)
    assert_names_field(problem, field)


# (profile changes of the first contact, rule, field)
REFUSED_FIRST_CONTACTS = [
    pytest.param({"birth_year": None}, "birth_date_or_year_required", "profile.birth_date", id="no-birth"),
    pytest.param(
        {"birth_date": "1985-03-10", "birth_year": 1986},
        "birth_year_matches_birth_date",
        "profile.birth_year",
        id="birth-year-contradicts-birth-date",
    ),
    pytest.param({"arrival_year": 1984}, "arrival_year_plausible", "profile.arrival_year", id="arrival-before-birth"),
    pytest.param({"arrival_year": 2027}, "arrival_year_plausible", "profile.arrival_year", id="arrival-after-contact"),
    pytest.param(
        {"birth_year": None, "birth_date": "1990-06-01", "arrival_year": 1989},
        "arrival_year_plausible",
        "profile.arrival_year",
        id="arrival-before-birth-date",
    ),
]


@pytest.mark.parametrize(("changes", "rule", "field"), REFUSED_FIRST_CONTACTS)
async def test_a_first_contact_refused_by_a_rule_of_0_2_is_422_naming_rule_and_field_and_opens_nothing(
    client: Client, tokens: Tokens, changes: Json, rule: str, field: str
) -> None:
    response = await client.post(
        "/cases", json=case_body(profile=profile(**changes)), headers=tokens.headers(COUNSELLOR)
    )

    problem = assert_problem(response, 422, rule=rule)
    assert_names_field(problem, field)
    assert await log_position(client) == 0


async def record(
    client: Client, case_id: str, bodies: list[Json], who: Principal = COUNSELLOR, *, tokens: Tokens
) -> Json:
    """Records the steps in order, each answered 201; answers the case after the last."""
    answer: Json = {}
    for body in bodies:
        response = await client.post(f"/cases/{case_id}/steps", json=body, headers=tokens.headers(who))
        assert response.status_code == 201, response.text
        answer = response.json()
    return answer


async def test_partial_comparability_is_recorded_whatever_is_known_of_disability(
    client: Client, tokens: Tokens
) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    assert case["profile"]["disability"] == "unknown"

    validated = await record(
        client,
        case["id"],
        [
            step(
                "exam_admission_applied",
                "2026-02-02",
                exam_id="v1",
                route="validation",
                occupation="Koch",
                chamber="ihk",
            ),
            step("exam_admission_decided", "2026-02-09", exam_id="v1", granted=True),
            step("exam_result_recorded", "2026-04-06", exam_id="v1", result="partial"),
        ],
        tokens=tokens,
    )

    (exam,) = validated["exams"]
    assert (exam["route"], exam["status"], exam["result"], exam["attempts"]) == (
        "validation",
        "result_recorded",
        "partial",
        1,
    )


async def test_no_comparability_is_a_validation_result(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))

    validated = await record(
        client,
        case["id"],
        [
            step(
                "exam_admission_applied",
                "2026-02-02",
                exam_id="v1",
                route="validation",
                occupation="Koch",
                chamber="ihk",
            ),
            step("exam_admission_decided", "2026-02-09", exam_id="v1", granted=True),
            step("exam_result_recorded", "2026-04-06", exam_id="v1", result="not_comparable"),
        ],
        tokens=tokens,
    )

    assert validated["exams"][0]["result"] == "not_comparable"


async def test_a_failed_exam_is_retaken_up_to_three_attempts(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))

    second = await record(client, case["id"], [*ADMIT, result("2026-03-02"), result("2026-04-06")], tokens=tokens)
    third = await record(client, case["id"], [result("2026-05-04", "passed")], tokens=tokens)

    assert (second["exams"][0]["result"], second["exams"][0]["attempts"]) == ("failed", 2)
    (exam,) = third["exams"]
    assert (exam["status"], exam["result"], exam["result_on"], exam["attempts"]) == (
        "result_recorded",
        "passed",
        "2026-05-04",
        3,
    )
    again = await client.post(
        f"/cases/{case['id']}/steps", json=result("2026-05-11"), headers=tokens.headers(COUNSELLOR)
    )
    assert_problem(again, 409, rule="exam_result_once")  # a passed exam is not retaken


async def test_full_equivalence_follows_the_completed_compensation_course(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))

    final = await record(
        client, case["id"], [*RUNNING, PARTIAL, ENROL_COMPENSATION, COMPLETE_COMPENSATION, FULL], tokens=tokens
    )

    (application,) = final["applications"]
    assert (application["status"], application["outcome"]) == ("decided", "full")
    assert (application["decided_on"], application["final_decided_on"]) == ("2026-03-02", "2026-04-13")
    assert application["compensation"] == "adaptation_qualification"
    assert final["courses"][0]["application_id"] == "r1"
    third = await client.post(
        f"/cases/{case['id']}/steps", json={**FULL, "date": "2026-04-20"}, headers=tokens.headers(COUNSELLOR)
    )
    assert_problem(third, 409, rule="final_decision_needs_completed_compensation")


async def test_full_equivalence_follows_the_passed_aptitude_test(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    regulated = {**APPLY, "reference_occupation": "Pflegefachfrau", "responsible_body": "state_authority"}

    final = await record(
        client,
        case["id"],
        [
            {**regulated, "regulated": True},
            RECEIPT,
            COMPLETE,
            {**PARTIAL, "compensation": "aptitude_test"},
            step(
                "exam_admission_applied",
                "2026-03-09",
                exam_id="t1",
                route="aptitude_test",
                occupation="Pflegefachfrau",
                chamber="state_authority",
                application_id="r1",
            ),
            step("exam_admission_decided", "2026-03-16", exam_id="t1", granted=True),
            step("exam_result_recorded", "2026-04-06", exam_id="t1", result="passed"),
            FULL,
        ],
        tokens=tokens,
    )

    assert (final["applications"][0]["outcome"], final["applications"][0]["final_decided_on"]) == ("full", "2026-04-13")
    assert final["exams"][0]["application_id"] == "r1"


async def test_a_suspended_deadline_is_not_due_and_moves_on_by_the_days_it_stood_still(
    client: Client, tokens: Tokens
) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))

    suspended = await record(client, case["id"], [*RUNNING, SUSPEND], tokens=tokens)
    resumed = await record(client, case["id"], [RESUME], tokens=tokens)

    assert suspended["applications"][0]["suspended_since"] == "2026-02-16"
    assert suspended["applications"][0]["suspension_reason"] == "documents_requested"
    assert all(deadline["kind"] != "recognition_decision" for deadline in suspended["deadlines"])
    application = resumed["applications"][0]
    assert (application["suspended_days"], application["resumed_on"]) == (14, "2026-03-02")
    assert application["decision_due"] == "2026-05-16"  # 2 May and the 14 days it stood still
    assert {"kind": "recognition_decision", "ref": "r1", "due": "2026-05-16"} in resumed["deadlines"]


async def test_several_follow_ups_of_one_exit_are_kept(client: Client, tokens: Tokens) -> None:
    """0.1 refused a second follow-up (`follow_up_once`); 0.2 keeps each, the latest shown as `follow_up`."""
    case = await open_case(client, tokens.headers(COUNSELLOR))

    closed = await record(client, case["id"], [CLOSE], tokens=tokens)
    followed = await record(
        client,
        case["id"],
        [
            follow_up("2026-04-20", outcome="unreachable"),
            follow_up("2026-05-04", employed=True, improved_situation=False),
            follow_up("2026-05-25", reference_date="2026-05-20", employed=True, improvement="underemployed_to_full"),
        ],
        tokens=tokens,
    )

    assert (closed["follow_up"], closed["follow_ups"]) == (None, [])
    assert [(f["outcome"], f["employed"], f["improved_situation"]) for f in followed["follow_ups"]] == [
        ("unreachable", None, None),
        ("reached", True, False),
        ("reached", True, True),
    ]
    assert followed["follow_up"] == followed["follow_ups"][-1]
    assert followed["follow_up"]["reference_date"] == "2026-05-20"
    assert followed["follow_up"]["improvement"] == "underemployed_to_full"
    # A reached client is a contact again; the unreachable one was not.
    assert followed["last_contact_on"] == "2026-05-25"


async def test_the_latest_situation_on_leaving_counts_and_the_exit_keeps_its_own(
    client: Client, tokens: Tokens
) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))

    learnt_later = await record(
        client,
        case["id"],
        [
            CLOSE,
            learnt("2026-04-08", job_searching=False, employed=True),
            learnt("2026-04-29", job_searching=False, self_employed=True),
        ],
        tokens=tokens,
    )

    assert learnt_later["exit"]["situation"] == {**situation(), "self_employed": False}
    assert learnt_later["leaving_situation"] == {**situation(job_searching=False), "self_employed": True}
    assert learnt_later["status"] == "closed"


async def test_a_birth_date_gives_the_exact_age_shown_with_the_personal_data_and_outliving_them(
    client: Client, tokens: Tokens
) -> None:
    body = case_body(profile=profile(birth_year=None, birth_date="1985-03-10", german_level="A2", arrival_year=2022))
    response = await client.post("/cases", json=body, headers=tokens.headers(COUNSELLOR))
    assert response.status_code == 201, response.text
    opened = response.json()
    case_id = opened["id"]

    # Whole years on 5 January 2026: her 41st birthday is in March.
    assert (opened["age_at_entry"], opened["age_exact"]) == (40, True)
    assert opened["personal"] == {**PERSONAL, "birth_date": "1985-03-10"}
    assert opened["profile"]["birth_year"] == 1985
    assert "birth_date" not in opened["profile"]
    assert (opened["profile"]["german_level"], opened["profile"]["arrival_year"]) == ("A2", 2022)
    for who in (COUNSELLOR, LEAD):
        assert (await read_case(client, case_id, tokens.headers(who)))["personal"]["birth_date"] == "1985-03-10"
    audited = await read_case(client, case_id, tokens.headers(AUDITOR))
    assert audited["personal"] is None
    assert audited["personal_data_erased"] is False
    assert (audited["age_at_entry"], audited["age_exact"]) == (40, True)
    assert audited["participant_id"] == case_id
    audited_history = await client.get(f"/cases/{case_id}/history", headers=tokens.headers(AUDITOR))
    assert "1985-03-10" not in audited_history.text

    erased = await client.delete(f"/cases/{case_id}/personal-data", headers=tokens.headers(LEAD))
    assert erased.status_code == 204, erased.text

    for who in (COUNSELLOR, LEAD, AUDITOR):
        after = await read_case(client, case_id, tokens.headers(who))
        assert (after["personal"], after["personal_data_erased"]) == (None, True)
        assert (after["age_at_entry"], after["age_exact"]) == (40, True)
        assert after["profile"]["birth_year"] == 1985
        history = await client.get(f"/cases/{case_id}/history", headers=tokens.headers(who))
        assert "1985-03-10" not in history.text


async def test_correcting_the_birth_date_answers_the_exact_age_and_shows_the_date_to_counsellors(
    client: Client, tokens: Tokens
) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    assert (case["age_at_entry"], case["age_exact"]) == (41, False)

    corrected = await record(
        client,
        case["id"],
        [step("profile_corrected", "2026-01-06", profile={"birth_date": "1985-03-10"})],
        tokens=tokens,
    )

    assert (corrected["age_at_entry"], corrected["age_exact"]) == (40, True)
    assert corrected["personal"]["birth_date"] == "1985-03-10"
    assert (await read_case(client, case["id"], tokens.headers(AUDITOR)))["personal"] is None
