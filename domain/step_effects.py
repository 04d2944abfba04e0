"""What each step of the journey changes in a case, one function per kind of step (`evolve` adds what every step
changes: version, stage, the days of the last step and contact).

The functions are found by the event's exact type in `STEP_EFFECTS`, not by `match` or `isinstance`: events are
msgspec structs, whose metaclass is not `type`, so each class an `isinstance` tries and misses takes CPython's slow
path (~0.2 µs). A `match` over 29 kinds of step tried about a dozen per event, and a replay evolves millions.
A part of the case grows by `part + (item,)`, one copy, where `(*part, item)` makes two: a case's replay copies its
sessions once per session (a third of replaying 200 sessions went into those copies).
"""

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from msgspec.structs import replace

from domain import events as ev
from domain import plan
from domain.calendar import add_days, add_months
from domain.case import (
    Assessment,
    Case,
    Course,
    Exam,
    Exit,
    FollowUp,
    Qualification,
    RecognitionApplication,
    Referral,
    Session,
)

RECOGNITION_DECISION_MONTHS = 3
FAST_TRACK_DECISION_MONTHS = 2  # §14a BQFG

StepEffect = Callable[[Case, Any], Case]
Effect = TypeVar("Effect", bound=StepEffect)
STEP_EFFECTS: dict[type[ev.CaseEvent], StepEffect] = {}


def _of(kind: type[ev.StepRecorded]) -> Callable[[Effect], Effect]:
    def register(effect: Effect) -> Effect:
        STEP_EFFECTS[kind] = effect
        return effect

    return register


def decision_due(documents_completed_on: date, fast_track: bool) -> date:
    months = FAST_TRACK_DECISION_MONTHS if fast_track else RECOGNITION_DECISION_MONTHS
    return add_months(documents_completed_on, months)


@_of(ev.ProfileCorrected)
def _profile_corrected(case: Case, s: ev.ProfileCorrected) -> Case:
    case = replace(case, profile=replace(case.profile, **s.profile.changed()))
    if s.age_at_entry is not None:
        case = replace(case, age_at_entry=s.age_at_entry, age_exact=bool(s.age_exact))
    if s.birth_date is not None and case.personal is not None:
        case = replace(case, personal=replace(case.personal, birth_date=s.birth_date))
    return case


@_of(ev.CounsellingSessionHeld)
def _session_held(case: Case, s: ev.CounsellingSessionHeld) -> Case:
    return replace(case, sessions=case.sessions + (session_of(s),))


def session_of(s: ev.CounsellingSessionHeld) -> Session:
    """The session as the case keeps it."""
    return Session(held_on=s.date, minutes=s.minutes, mode=s.mode, language=s.language, interpreter=s.interpreter)


@_of(ev.AssessmentStarted)
def _assessment_started(case: Case, s: ev.AssessmentStarted) -> Case:
    started = Assessment(assessment_id=s.assessment_id, instrument=s.instrument, status="started", started_on=s.date)
    return replace(case, assessments=case.assessments + (started,))


@_of(ev.AssessmentCompleted)
def _assessment_completed(case: Case, s: ev.AssessmentCompleted) -> Case:
    return _replace_assessment(
        case,
        s.assessment_id,
        status="completed",
        completed_on=s.date,
        recommended_pathway=s.recommended_pathway,
        result=s.result,
    )


@_of(ev.CourseEnrolled)
def _course_enrolled(case: Case, s: ev.CourseEnrolled) -> Case:
    enrolled = Course(
        course_id=s.course_id,
        kind=s.kind,
        provider=s.provider,
        funding=s.funding,
        status="enrolled",
        enrolled_on=s.date,
        module=s.module,
        modules=s.modules,
        planned_end=s.planned_end,
        application_id=s.application_id,
        offer_id=s.offer_id,
    )
    return replace(case, courses=case.courses + (enrolled,))


@_of(ev.CourseCompleted)
def _course_completed(case: Case, s: ev.CourseCompleted) -> Case:
    return _replace_course(case, s.course_id, status="completed", ended_on=s.date, certificate=s.certificate)


@_of(ev.CourseDropped)
def _course_dropped(case: Case, s: ev.CourseDropped) -> Case:
    return _replace_course(case, s.course_id, status="dropped", ended_on=s.date, drop_reason=s.reason)


@_of(ev.ExamAdmissionApplied)
def _exam_admission_applied(case: Case, s: ev.ExamAdmissionApplied) -> Case:
    applied_exam = Exam(
        exam_id=s.exam_id,
        route=s.route,
        occupation=s.occupation,
        chamber=s.chamber,
        status="admission_applied",
        admission_applied_on=s.date,
        application_id=s.application_id,
        basis=s.basis,
    )
    return replace(case, exams=case.exams + (applied_exam,))


@_of(ev.ExamAdmissionDecided)
def _exam_admission_decided(case: Case, s: ev.ExamAdmissionDecided) -> Case:
    return _replace_exam(
        case,
        s.exam_id,
        status="admission_granted" if s.granted else "admission_refused",
        admission_decided_on=s.date,
        admission_reason=s.reason,
    )


@_of(ev.ExamResultRecorded)
def _exam_result_recorded(case: Case, s: ev.ExamResultRecorded) -> Case:
    exam = case.exam(s.exam_id)
    assert exam is not None
    return _replace_exam(
        case, s.exam_id, status="result_recorded", result=s.result, result_on=s.date, attempts=exam.attempts + 1
    )


@_of(ev.CounsellorAssigned)
def _counsellor_assigned(case: Case, s: ev.CounsellorAssigned) -> Case:
    return replace(case, counsellor=s.counsellor)


@_of(ev.CaseClosed)
def _case_closed(case: Case, s: ev.CaseClosed) -> Case:
    return replace(
        case,
        status="closed",
        stage="closed",
        stage_before_exit=case.stage,
        exit=Exit(closed_on=s.date, reason=s.reason, situation=s.situation),
        leaving_situation=s.situation,
        follow_ups=(),
    )


@_of(ev.LeavingSituationRecorded)
def _leaving_situation_recorded(case: Case, s: ev.LeavingSituationRecorded) -> Case:
    return replace(case, leaving_situation=s.situation)


@_of(ev.CaseReopened)
def _case_reopened(case: Case, _: ev.CaseReopened) -> Case:
    return replace(case, status="open", stage=case.stage_before_exit, exit=None, leaving_situation=None, follow_ups=())


@_of(ev.FollowUpRecorded)
def _follow_up_recorded(case: Case, s: ev.FollowUpRecorded) -> Case:
    follow_up = FollowUp(
        recorded_on=s.date,
        employed=s.employed,
        improved_situation=s.improved_situation,
        reference_date=s.reference_date or s.date,
        outcome=s.outcome,
        improvement=s.improvement,
    )
    return replace(case, follow_ups=case.follow_ups + (follow_up,))


@_of(ev.ConsentChanged)
def _consent_changed(case: Case, s: ev.ConsentChanged) -> Case:
    if s.special_categories:
        return replace(case, special_categories_consent=True)
    # Without consent the special categories are no longer known to the service.
    profile = replace(case.profile, disability="unknown", minority="unknown")
    return replace(case, special_categories_consent=False, profile=profile)


@_of(ev.QualificationRecorded)
def _qualification_recorded(case: Case, s: ev.QualificationRecorded) -> Case:
    qualification = Qualification(
        qualification_id=s.qualification_id,
        kind=s.kind,
        country=s.country,
        title=s.title,
        year=s.year,
        recorded_on=s.date,
    )
    return replace(case, qualifications=case.qualifications + (qualification,))


@_of(ev.ReferralMade)
def _referral_made(case: Case, s: ev.ReferralMade) -> Case:
    referral = Referral(
        referral_id=s.referral_id, to=s.to, organisation=s.organisation, purpose=s.purpose, referred_on=s.date
    )
    return replace(case, referrals=case.referrals + (referral,))


@_of(ev.ReferralOutcomeRecorded)
def _referral_outcome_recorded(case: Case, s: ev.ReferralOutcomeRecorded) -> Case:
    referrals = tuple(
        replace(r, status="answered", outcome=s.outcome, outcome_on=s.date) if r.referral_id == s.referral_id else r
        for r in case.referrals
    )
    return replace(case, referrals=referrals)


@_of(ev.PlanAgreed)
def _plan_agreed(case: Case, s: ev.PlanAgreed) -> Case:
    return plan.agreed(case, s)


@_of(ev.PlanItemDone)
def _plan_item_done(case: Case, s: ev.PlanItemDone) -> Case:
    return plan.done(case, s.item_id, s.date, s.TYPE)


@_of(ev.RecognitionApplied)
def _recognition_applied(case: Case, s: ev.RecognitionApplied) -> Case:
    applied = RecognitionApplication(
        application_id=s.application_id,
        reference_occupation=s.reference_occupation,
        responsible_body=s.responsible_body,
        regulated=s.regulated,
        fast_track=s.fast_track,
        status="applied",
        applied_on=s.date,
        qualification_id=s.qualification_id,
    )
    return replace(case, applications=case.applications + (applied,))


@_of(ev.RecognitionReceiptConfirmed)
def _recognition_receipt_confirmed(case: Case, s: ev.RecognitionReceiptConfirmed) -> Case:
    application = case.application(s.application_id)
    assert application is not None
    if application.documents_completed_on is not None:
        # Recorded after the documents were complete: nothing is missing any more and the status stays.
        return _replace_application(case, s.application_id, receipt_confirmed_on=s.date)
    return _replace_application(
        case,
        s.application_id,
        status="receipt_confirmed",
        receipt_confirmed_on=s.date,
        missing_documents=s.missing_documents,
    )


@_of(ev.RecognitionDocumentsCompleted)
def _recognition_documents_completed(case: Case, s: ev.RecognitionDocumentsCompleted) -> Case:
    application = case.application(s.application_id)
    assert application is not None
    return _replace_application(
        case,
        s.application_id,
        status="documents_complete",
        documents_completed_on=s.date,
        missing_documents=(),
        decision_due=decision_due(s.date, application.fast_track),
    )


@_of(ev.RecognitionDeadlineExtended)
def _recognition_deadline_extended(case: Case, s: ev.RecognitionDeadlineExtended) -> Case:
    return _replace_application(case, s.application_id, decision_due=s.due, deadline_extended=True)


@_of(ev.RecognitionDecided)
def _recognition_decided(case: Case, s: ev.RecognitionDecided) -> Case:
    application = case.application(s.application_id)
    assert application is not None
    if application.status == "decided":  # the final decision after the compensation measure
        return _replace_application(case, s.application_id, outcome=s.outcome, final_decided_on=s.date)
    return _replace_application(
        case,
        s.application_id,
        status="decided",
        decided_on=s.date,
        outcome=s.outcome,
        substantial_differences=s.substantial_differences,
        compensation=s.compensation,
        suspended_since=None,
        suspension_reason=None,
    )


@_of(ev.RecognitionDeadlineSuspended)
def _recognition_deadline_suspended(case: Case, s: ev.RecognitionDeadlineSuspended) -> Case:
    return _replace_application(case, s.application_id, suspended_since=s.date, suspension_reason=s.reason)


@_of(ev.RecognitionDeadlineResumed)
def _recognition_deadline_resumed(case: Case, s: ev.RecognitionDeadlineResumed) -> Case:
    application = case.application(s.application_id)
    assert application is not None
    assert application.suspended_since is not None
    days = (s.date - application.suspended_since).days
    due = add_days(application.decision_due, days) if application.decision_due is not None else None
    return _replace_application(
        case,
        s.application_id,
        suspended_since=None,
        suspension_reason=None,
        suspended_days=application.suspended_days + days,
        resumed_on=s.date,
        decision_due=due,
    )


@_of(ev.RecognitionWithdrawn)
def _recognition_withdrawn(case: Case, s: ev.RecognitionWithdrawn) -> Case:
    return _replace_application(
        case,
        s.application_id,
        status="withdrawn",
        withdrawn_on=s.date,
        withdrawal_reason=s.reason,
        suspended_since=None,
        suspension_reason=None,
    )


def _replace_assessment(case: Case, assessment_id: str, **changes: object) -> Case:
    return replace(
        case,
        assessments=tuple(replace(a, **changes) if a.assessment_id == assessment_id else a for a in case.assessments),
    )


def _replace_application(case: Case, application_id: str, **changes: object) -> Case:
    return replace(
        case,
        applications=tuple(
            replace(a, **changes) if a.application_id == application_id else a for a in case.applications
        ),
    )


def _replace_course(case: Case, course_id: str, **changes: object) -> Case:
    return replace(case, courses=tuple(replace(c, **changes) if c.course_id == course_id else c for c in case.courses))


def _replace_exam(case: Case, exam_id: str, **changes: object) -> Case:
    return replace(case, exams=tuple(replace(e, **changes) if e.exam_id == exam_id else e for e in case.exams))
