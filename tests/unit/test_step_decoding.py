"""The step union as the API decodes it from JSON: the contract's names and bounds are enforced by msgspec."""

from datetime import date
from typing import Any, get_args

import msgspec
import pytest

from domain import steps
from tests.unit.factories import step


def decode(body: dict[str, Any]) -> steps.StepCommand:
    return msgspec.json.decode(msgspec.json.encode(body), type=steps.Step)


def test_a_step_is_decoded_by_its_type() -> None:
    decoded = decode(
        {
            "type": "recognition_applied",
            "date": "2026-03-02",
            "application_id": "anerkennung-1",
            "reference_occupation": "Elektroniker",
            "responsible_body": "hwk",
            "fast_track": True,
        }
    )
    assert decoded == steps.RecognitionApplied(
        date=date(2026, 3, 2),
        application_id="anerkennung-1",
        reference_occupation="Elektroniker",
        responsible_body="hwk",
        fast_track=True,
    )
    assert decoded.regulated is False


def test_every_step_type_round_trips_through_json() -> None:
    for kind in get_args(steps.Step):
        command = step(kind, 10)
        encoded = msgspec.json.encode(command)
        assert msgspec.json.decode(encoded, type=dict)["type"] == kind.__struct_config__.tag
        assert msgspec.json.decode(encoded, type=steps.Step) == command


def test_profile_correction_decodes_only_the_named_attributes() -> None:
    decoded = decode(
        {"type": "profile_corrected", "date": "2026-03-02", "profile": {"isced": 4, "qualification_country": None}}
    )
    assert isinstance(decoded, steps.ProfileCorrected)
    assert decoded.profile.changed() == {"isced": 4, "qualification_country": None}


def test_the_api_names_of_the_step_types() -> None:
    tags = {kind.__struct_config__.tag for kind in get_args(steps.Step)}
    assert tags == {
        "profile_corrected",
        "counselling_session_held",
        "assessment_started",
        "assessment_completed",
        "recognition_applied",
        "recognition_receipt_confirmed",
        "recognition_documents_completed",
        "recognition_deadline_extended",
        "recognition_decided",
        "recognition_deadline_suspended",
        "recognition_deadline_resumed",
        "recognition_withdrawn",
        "course_enrolled",
        "course_completed",
        "course_dropped",
        "exam_admission_applied",
        "exam_admission_decided",
        "exam_result_recorded",
        "counsellor_assigned",
        "case_closed",
        "leaving_situation_recorded",
        "case_reopened",
        "follow_up_recorded",
        "consent_changed",
        "qualification_recorded",
        "referral_made",
        "referral_outcome_recorded",
        "plan_agreed",
        "plan_item_done",
    }


def test_the_0_2_fields_of_the_steps_are_decoded() -> None:
    assert decode(
        {
            "type": "follow_up_recorded",
            "date": "2026-09-15",
            "reference_date": "2026-09-01",
            "outcome": "reached",
            "employed": True,
            "improvement": "higher_skilled",
        }
    ) == steps.FollowUpRecorded(
        date=date(2026, 9, 15),
        reference_date=date(2026, 9, 1),
        employed=True,
        improvement="higher_skilled",
    )
    unreachable = decode({"type": "follow_up_recorded", "date": "2026-09-15", "outcome": "unreachable"})
    assert unreachable == steps.FollowUpRecorded(date=date(2026, 9, 15), outcome="unreachable")
    assert (unreachable.employed, unreachable.improved_situation, unreachable.reference_date) == (None, None, None)
    assert decode(
        {
            "type": "leaving_situation_recorded",
            "date": "2026-03-20",
            "situation": {
                "job_searching": False,
                "in_education_or_training": False,
                "qualification_gained": False,
                "employed": False,
                "self_employed": True,
            },
        }
    ) == steps.LeavingSituationRecorded(
        date=date(2026, 3, 20),
        situation=steps.Situation(
            job_searching=False,
            in_education_or_training=False,
            qualification_gained=False,
            employed=False,
            self_employed=True,
        ),
    )
    exam = decode(
        {
            "type": "exam_admission_applied",
            "date": "2026-03-02",
            "exam_id": "e1",
            "route": "aptitude_test",
            "occupation": "Pflegefachfrau",
            "chamber": "state_authority",
            "application_id": "r1",
            "basis": "foreign_qualification",
        }
    )
    assert isinstance(exam, steps.ExamAdmissionApplied)
    assert (exam.application_id, exam.basis) == ("r1", "foreign_qualification")
    course = decode(
        {
            "type": "course_enrolled",
            "date": "2026-03-02",
            "course_id": "c1",
            "kind": "adaptation_course",
            "provider": "Klinikum",
            "funding": "other",
            "application_id": "r1",
        }
    )
    assert isinstance(course, steps.CourseEnrolled)
    assert course.application_id == "r1"
    result = decode({"type": "exam_result_recorded", "date": "2026-03-02", "exam_id": "e1", "result": "not_comparable"})
    assert result == steps.ExamResultRecorded(date=date(2026, 3, 2), exam_id="e1", result="not_comparable")


def test_the_0_2_steps_and_fields_of_issues_15_and_16_are_decoded_with_their_defaults() -> None:
    session = decode(SESSION)
    assert isinstance(session, steps.CounsellingSessionHeld)
    assert (session.mode, session.language, session.interpreter) == ("in_person", "de", False)
    assert decode({**SESSION, "mode": "video", "language": "uk", "interpreter": True}) == steps.CounsellingSessionHeld(
        date=date(2026, 3, 2), minutes=45, mode="video", language="uk", interpreter=True
    )
    assert decode(QUALIFICATION) == steps.QualificationRecorded(
        date=date(2026, 3, 2),
        qualification_id="q1",
        kind="academic",
        country="UA",
        title="Bachelor of Nursing",
        year=2015,
    )
    assert decode({**RECOGNITION, "qualification_id": "q1"}) == steps.RecognitionApplied(
        date=date(2026, 3, 2),
        application_id="r1",
        reference_occupation="Lehrerin",
        responsible_body="zab",
        qualification_id="q1",
    )
    referral = decode(REFERRAL)
    assert isinstance(referral, steps.ReferralMade)
    assert (referral.to, referral.organisation, referral.purpose) == ("jobcenter", "JC", None)
    plan = decode({**PLAN, "items": [PLAN_ITEM, {**PLAN_ITEM, "item_id": "p2", "kind": "course", "offer_id": "o-17"}]})
    assert isinstance(plan, steps.PlanAgreed)
    assert [(item.item_id, item.kind, item.offer_id) for item in plan.items] == [
        ("p1", "language", None),
        ("p2", "course", "o-17"),
    ]
    assert plan.items[0].target_date == date(2026, 9, 1)
    assert decode({"type": "plan_item_done", "date": "2026-03-02", "item_id": "p1"}) == steps.PlanItemDone(
        date=date(2026, 3, 2), item_id="p1"
    )
    course = decode({**COURSE, "offer_id": "8c6f0b5e-8d1e-4c51-9b0b-0d1f3b0e2a11"})
    assert isinstance(course, steps.CourseEnrolled)
    assert course.offer_id == "8c6f0b5e-8d1e-4c51-9b0b-0d1f3b0e2a11"


def test_the_situation_defaults_to_not_self_employed() -> None:
    closed = decode(
        {
            "type": "case_closed",
            "date": "2026-03-02",
            "reason": "employment",
            "situation": {
                "job_searching": False,
                "in_education_or_training": False,
                "qualification_gained": False,
                "employed": True,
            },
        }
    )
    assert isinstance(closed, steps.CaseClosed)
    assert closed.situation.self_employed is False


def test_a_correction_may_name_the_birth_date_german_level_and_arrival_year() -> None:
    decoded = decode(
        {
            "type": "profile_corrected",
            "date": "2026-03-02",
            "profile": {"birth_date": "1988-02-29", "german_level": "B1", "arrival_year": 2015},
        }
    )
    assert isinstance(decoded, steps.ProfileCorrected)
    assert decoded.profile.changed() == {"birth_date": date(1988, 2, 29), "german_level": "B1", "arrival_year": 2015}


SESSION = {"type": "counselling_session_held", "date": "2026-03-02", "minutes": 45}
EXAM_RESULT = {"type": "exam_result_recorded", "date": "2026-03-02", "exam_id": "e1", "result": "passed"}
FOLLOW_UP = {"type": "follow_up_recorded", "date": "2026-09-15", "employed": True, "improved_situation": False}
QUALIFICATION = {
    "type": "qualification_recorded",
    "date": "2026-03-02",
    "qualification_id": "q1",
    "kind": "academic",
    "country": "UA",
    "title": "Bachelor of Nursing",
    "year": 2015,
}
REFERRAL = {"type": "referral_made", "date": "2026-03-02", "referral_id": "v1", "to": "jobcenter", "organisation": "JC"}
PLAN_ITEM = {"item_id": "p1", "kind": "language", "description": "B1 course", "target_date": "2026-09-01"}
PLAN = {"type": "plan_agreed", "date": "2026-03-02", "items": [PLAN_ITEM]}
COURSE = {
    "type": "course_enrolled",
    "date": "2026-03-02",
    "course_id": "c1",
    "kind": "language",
    "provider": "VHS",
    "funding": "esf",
}
RECOGNITION = {
    "type": "recognition_applied",
    "date": "2026-03-02",
    "application_id": "r1",
    "reference_occupation": "Lehrerin",
    "responsible_body": "zab",
}
EXAM_ADMISSION = {
    "type": "exam_admission_applied",
    "date": "2026-03-02",
    "exam_id": "e1",
    "route": "external_exam",
    "occupation": "Tischler",
    "chamber": "hwk",
}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({**SESSION, "type": "case_deleted"}, "Invalid value 'case_deleted'", id="unknown type"),
        pytest.param({k: v for k, v in SESSION.items() if k != "type"}, "missing required field `type`", id="no type"),
        pytest.param({**EXAM_RESULT, "result": "excellent"}, "$.result", id="wrong enum"),
        pytest.param(
            {"type": "case_closed", "date": "2026-03-02", "reason": "other", "situation": {"employed": True}},
            "$.situation",
            id="missing nested field",
        ),
        pytest.param({k: v for k, v in EXAM_RESULT.items() if k != "exam_id"}, "`exam_id`", id="missing field"),
        pytest.param({**SESSION, "duration": 45}, "unknown field `duration`", id="unknown field"),
        pytest.param(
            {"type": "profile_corrected", "date": "2026-03-02", "profile": {"eye_colour": "brown"}},
            "unknown field `eye_colour`",
            id="unknown nested field",
        ),
        pytest.param(
            {"type": "case_reopened", "date": "2026-03-02", "reason": "x" * 201}, "$.reason", id="over-long string"
        ),
        pytest.param({"type": "case_reopened", "date": "2026-03-02", "reason": ""}, "$.reason", id="empty string"),
        pytest.param({**SESSION, "note": "n" * 4001}, "$.note", id="over-long note"),
        pytest.param({**SESSION, "topics": ["t"] * 51}, "$.topics", id="too many topics"),
        pytest.param({**SESSION, "minutes": 0}, "$.minutes", id="minutes below one"),
        pytest.param({**SESSION, "minutes": "45"}, "$.minutes", id="minutes as string"),
        pytest.param({**SESSION, "date": "2026-02-30"}, "$.date", id="impossible date"),
        pytest.param({**SESSION, "date": "02.03.2026"}, "$.date", id="not ISO date"),
        pytest.param({**EXAM_RESULT, "exam_id": "-starts-with-dash"}, "$.exam_id", id="id pattern"),
        pytest.param({**EXAM_RESULT, "exam_id": "e" * 65}, "$.exam_id", id="over-long id"),
        pytest.param(
            {"type": "counsellor_assigned", "date": "2026-03-02", "counsellor": "ben smith"},
            "$.counsellor",
            id="subject pattern",
        ),
        pytest.param(
            {"type": "profile_corrected", "date": "2026-03-02", "profile": {"isced": 9}}, "$.profile.isced", id="isced"
        ),
        pytest.param(
            {"type": "profile_corrected", "date": "2026-03-02", "profile": {"qualification_country": "tur"}},
            "$.profile.qualification_country",
            id="country code",
        ),
        pytest.param({**FOLLOW_UP, "outcome": "moved_away"}, "$.outcome", id="follow-up outcome"),
        pytest.param({**FOLLOW_UP, "improvement": "richer"}, "$.improvement", id="improvement"),
        pytest.param({**FOLLOW_UP, "reference_date": "2026-13-01"}, "$.reference_date", id="reference date"),
        pytest.param(
            {
                "type": "recognition_deadline_suspended",
                "date": "2026-03-02",
                "application_id": "r1",
                "reason": "holiday",
            },
            "$.reason",
            id="suspension reason",
        ),
        pytest.param(
            {"type": "recognition_deadline_suspended", "date": "2026-03-02", "application_id": "r1"},
            "`reason`",
            id="suspension without reason",
        ),
        pytest.param(
            {"type": "recognition_deadline_resumed", "date": "2026-03-02"},
            "`application_id`",
            id="resumption without application",
        ),
        pytest.param(
            {"type": "recognition_withdrawn", "date": "2026-03-02", "application_id": "r1", "reason": "w" * 4001},
            "$.reason",
            id="over-long withdrawal reason",
        ),
        pytest.param(
            {"type": "leaving_situation_recorded", "date": "2026-03-02", "situation": {"self_employed": True}},
            "$.situation",
            id="incomplete leaving situation",
        ),
        pytest.param(
            {"type": "profile_corrected", "date": "2026-03-02", "profile": {"german_level": "D1"}},
            "$.profile.german_level",
            id="german level",
        ),
        pytest.param(
            {"type": "profile_corrected", "date": "2026-03-02", "profile": {"arrival_year": 1899}},
            "$.profile.arrival_year",
            id="arrival year",
        ),
        pytest.param(
            {"type": "profile_corrected", "date": "2026-03-02", "profile": {"birth_date": "1988"}},
            "$.profile.birth_date",
            id="birth date",
        ),
        pytest.param(
            {**EXAM_ADMISSION, "basis": "good_will"},
            "$.basis",
            id="admission basis",
        ),
        pytest.param(
            {
                "type": "course_enrolled",
                "date": "2026-03-02",
                "course_id": "c1",
                "kind": "exam_preparation",
                "provider": "VHS",
                "funding": "lottery",
            },
            "$.funding",
            id="wrong funding",
        ),
        pytest.param({**SESSION, "mode": "carrier_pigeon"}, "$.mode", id="session mode"),
        pytest.param({**SESSION, "language": "DE"}, "$.language", id="language in capitals"),
        pytest.param({**SESSION, "language": "deu"}, "$.language", id="three-letter language"),
        pytest.param({**SESSION, "interpreter": "yes"}, "$.interpreter", id="interpreter not a bool"),
        pytest.param({**QUALIFICATION, "kind": "doctorate"}, "$.kind", id="qualification kind"),
        pytest.param({**QUALIFICATION, "country": "Turkey"}, "$.country", id="qualification country"),
        pytest.param({**QUALIFICATION, "year": 1899}, "$.year", id="qualification year"),
        pytest.param({**QUALIFICATION, "title": ""}, "$.title", id="empty title"),
        pytest.param({k: v for k, v in QUALIFICATION.items() if k != "title"}, "`title`", id="no title"),
        pytest.param({**REFERRAL, "to": "friend"}, "$.to", id="referral target"),
        pytest.param({**REFERRAL, "organisation": "o" * 201}, "$.organisation", id="over-long organisation"),
        pytest.param(
            {"type": "referral_outcome_recorded", "date": "2026-03-02", "referral_id": "v1", "outcome": "lost"},
            "$.outcome",
            id="referral outcome",
        ),
        pytest.param({**PLAN, "items": []}, "$.items", id="plan without items"),
        pytest.param({**PLAN, "items": [PLAN_ITEM] * 51}, "$.items", id="plan of too many items"),
        pytest.param({**PLAN, "items": [{**PLAN_ITEM, "kind": "holiday"}]}, "$.items[0].kind", id="plan item kind"),
        pytest.param(
            {**PLAN, "items": [{k: v for k, v in PLAN_ITEM.items() if k != "target_date"}]},
            "`target_date`",
            id="plan item without target date",
        ),
        pytest.param({**PLAN, "items": [{**PLAN_ITEM, "done": True}]}, "unknown field `done`", id="plan item field"),
        pytest.param({**COURSE, "offer_id": ""}, "$.offer_id", id="empty offer id"),
        pytest.param(
            {**RECOGNITION, "responsible_body": "embassy"}, "$.responsible_body", id="unknown responsible body"
        ),
    ],
)
def test_invalid_bodies_are_validation_errors(body: dict[str, Any], message: str) -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        decode(body)
    assert message in str(caught.value)


def test_open_case_rejects_unknown_fields_and_bad_values() -> None:
    body = {
        "first_contact_on": "2026-03-02",
        "channel": "walk_in",
        "referral_source": "self",
        "profile": {
            "birth_year": 1988,
            "gender": "female",
            "labour_status": "unemployed",
            "isced": 3,
            "foreign_background": True,
            "third_country_national": False,
        },
    }
    opened = msgspec.json.decode(msgspec.json.encode(body), type=steps.OpenCase)
    assert (opened.profile.disability, opened.profile.minority, opened.consent.special_categories) == (
        "unknown",
        "unknown",
        False,
    )
    assert opened.personal == steps.PersonalData()
    for bad in (
        {**body, "channel": "carrier_pigeon"},
        {**body, "agency": "elsewhere"},
        {**body, "profile": {**body["profile"], "disability": "maybe"}},
        {**body, "profile": {**body["profile"], "birth_year": 1899}},
        {**body, "profile": {**body["profile"], "birth_date": "29.02.1988"}},
        {**body, "profile": {**body["profile"], "german_level": "fluent"}},
        {**body, "profile": {**body["profile"], "arrival_year": 2101}},
    ):
        with pytest.raises(msgspec.ValidationError):
            msgspec.json.decode(msgspec.json.encode(bad), type=steps.OpenCase)
