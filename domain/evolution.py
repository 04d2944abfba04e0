"""How each event changes a case. Replaying a case's events through `evolve` gives its state."""

from collections.abc import Iterable
from datetime import date
from typing import assert_never, cast, get_args

from msgspec.structs import replace

from domain import events as ev
from domain.calendar import add_months
from domain.case import (
    Assessment,
    Case,
    CaseSnapshot,
    Course,
    Exam,
    Exit,
    FollowUp,
    RecognitionApplication,
)
from domain.privacy import redacted
from domain.vocabulary import Stage

RECOGNITION_DECISION_MONTHS = 3
FAST_TRACK_DECISION_MONTHS = 2  # §14a BQFG

# Steps that move the journey's stage; sessions, corrections and reassignments do not.
STAGE_OF: dict[type[ev.StepRecorded], Stage] = {
    ev.AssessmentStarted: "assessment",
    ev.AssessmentCompleted: "assessment",
    ev.RecognitionApplied: "recognition",
    ev.RecognitionReceiptConfirmed: "recognition",
    ev.RecognitionDocumentsCompleted: "recognition",
    ev.RecognitionDeadlineExtended: "recognition",
    ev.RecognitionDecided: "recognition",
    ev.CourseEnrolled: "course",
    ev.CourseCompleted: "course",
    ev.CourseDropped: "course",
    ev.ExamAdmissionApplied: "exam",
    ev.ExamAdmissionDecided: "exam",
    ev.ExamResultRecorded: "exam",
}

# Administrative steps are not contact with the client (they do not reset the 60-day no-contact clock).
NOT_CONTACT: tuple[type[ev.StepRecorded], ...] = (ev.ProfileCorrected, ev.CounsellorAssigned, ev.ConsentChanged)


def decision_due(documents_completed_on: date, fast_track: bool) -> date:
    months = FAST_TRACK_DECISION_MONTHS if fast_track else RECOGNITION_DECISION_MONTHS
    return add_months(documents_completed_on, months)


def project_case(case: Case | None, events: Iterable[ev.CaseEvent | CaseSnapshot]) -> Case | None:
    """Replays events (optionally starting with a snapshot) into the case's state."""
    for event in events:
        case = event.state if isinstance(event, CaseSnapshot) else evolve(case, event)
    return case


def evolve(case: Case | None, event: ev.CaseEvent) -> Case:
    if isinstance(event, ev.CaseOpened):
        return _opened(event)
    if case is None:
        raise ValueError(f"{type(event).__name__} before the case was opened")
    if event.originator_version != case.version + 1:
        raise ValueError(f"event version {event.originator_version} does not follow case version {case.version}")
    case = replace(case, version=event.originator_version, modified_on=event.timestamp)
    if isinstance(event, ev.PersonalDataErased):
        return redacted(case)
    assert isinstance(event, get_args(ev.StepEvent)), f"not a step event: {type(event).__name__}"
    case = _apply_step(case, cast(ev.StepEvent, event))
    if (stage := STAGE_OF.get(type(event))) is not None:
        case = replace(case, stage=stage)
    if not isinstance(event, NOT_CONTACT):
        case = replace(case, last_contact_on=max(case.last_contact_on, event.date))
    if case.personal_data_erased:
        # Free text recorded after the erasure is not kept either (it is stored as erased, never in clear).
        case = redacted(case)
    return case


def _opened(event: ev.CaseOpened) -> Case:
    return Case(
        id=event.originator_id,
        version=event.originator_version,
        created_on=event.timestamp,
        modified_on=event.timestamp,
        agency=event.agency,
        counsellor=event.counsellor,
        status="open",
        stage="first_contact",
        stage_before_exit="first_contact",
        opened_on=event.first_contact_on,
        channel=event.channel,
        referral_source=event.referral_source,
        profile=event.profile,
        personal=event.personal,
        special_categories_consent=event.consent.special_categories,
        last_contact_on=event.first_contact_on,
    )


def _apply_step(case: Case, event: ev.StepEvent) -> Case:  # noqa: C901, PLR0911, PLR0912 - one branch per step type
    match event:
        case ev.ProfileCorrected() as s:
            return replace(case, profile=replace(case.profile, **s.profile.changed()))
        case ev.CounsellingSessionHeld():
            return case
        case ev.AssessmentStarted() as s:
            started = Assessment(
                assessment_id=s.assessment_id, instrument=s.instrument, status="started", started_on=s.date
            )
            return replace(case, assessments=(*case.assessments, started))
        case ev.AssessmentCompleted() as s:
            return _replace_assessment(
                case,
                s.assessment_id,
                status="completed",
                completed_on=s.date,
                recommended_pathway=s.recommended_pathway,
                result=s.result,
            )
        case ev.RecognitionApplied() as s:
            applied = RecognitionApplication(
                application_id=s.application_id,
                reference_occupation=s.reference_occupation,
                responsible_body=s.responsible_body,
                regulated=s.regulated,
                fast_track=s.fast_track,
                status="applied",
                applied_on=s.date,
            )
            return replace(case, applications=(*case.applications, applied))
        case ev.RecognitionReceiptConfirmed() as s:
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
        case ev.RecognitionDocumentsCompleted() as s:
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
        case ev.RecognitionDeadlineExtended() as s:
            return _replace_application(case, s.application_id, decision_due=s.due, deadline_extended=True)
        case ev.RecognitionDecided() as s:
            return _replace_application(
                case,
                s.application_id,
                status="decided",
                decided_on=s.date,
                outcome=s.outcome,
                substantial_differences=s.substantial_differences,
                compensation=s.compensation,
            )
        case ev.CourseEnrolled() as s:
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
            )
            return replace(case, courses=(*case.courses, enrolled))
        case ev.CourseCompleted() as s:
            return _replace_course(case, s.course_id, status="completed", ended_on=s.date, certificate=s.certificate)
        case ev.CourseDropped() as s:
            return _replace_course(case, s.course_id, status="dropped", ended_on=s.date, drop_reason=s.reason)
        case ev.ExamAdmissionApplied() as s:
            applied_exam = Exam(
                exam_id=s.exam_id,
                route=s.route,
                occupation=s.occupation,
                chamber=s.chamber,
                status="admission_applied",
                admission_applied_on=s.date,
            )
            return replace(case, exams=(*case.exams, applied_exam))
        case ev.ExamAdmissionDecided() as s:
            return _replace_exam(
                case,
                s.exam_id,
                status="admission_granted" if s.granted else "admission_refused",
                admission_decided_on=s.date,
                admission_reason=s.reason,
            )
        case ev.ExamResultRecorded() as s:
            return _replace_exam(case, s.exam_id, status="result_recorded", result=s.result, result_on=s.date)
        case ev.CounsellorAssigned() as s:
            return replace(case, counsellor=s.counsellor)
        case ev.CaseClosed() as s:
            return replace(
                case,
                status="closed",
                stage="closed",
                stage_before_exit=case.stage,
                exit=Exit(closed_on=s.date, reason=s.reason, situation=s.situation),
                follow_up=None,
            )
        case ev.CaseReopened():
            return replace(case, status="open", stage=case.stage_before_exit, exit=None, follow_up=None)
        case ev.FollowUpRecorded() as s:
            follow_up = FollowUp(recorded_on=s.date, employed=s.employed, improved_situation=s.improved_situation)
            return replace(case, follow_up=follow_up)
        case ev.ConsentChanged() as s:
            if s.special_categories:
                return replace(case, special_categories_consent=True)
            # Without consent the special categories are no longer known to the service.
            profile = replace(case.profile, disability="unknown", minority="unknown")
            return replace(case, special_categories_consent=False, profile=profile)
    assert_never(event)


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
