"""How each event changes a case. Replaying a case's events through `evolve` gives its state."""

from collections.abc import Iterable
from datetime import date
from typing import assert_never, cast, get_args

from msgspec.structs import replace

from domain import events as ev
from domain import plan
from domain.calendar import add_days, add_months
from domain.case import (
    Assessment,
    Case,
    CaseSnapshot,
    Course,
    Exam,
    Exit,
    FollowUp,
    Qualification,
    RecognitionApplication,
    Referral,
    Session,
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
    ev.RecognitionDeadlineSuspended: "recognition",
    ev.RecognitionDeadlineResumed: "recognition",
    ev.RecognitionWithdrawn: "recognition",
    ev.CourseEnrolled: "course",
    ev.CourseCompleted: "course",
    ev.CourseDropped: "course",
    ev.ExamAdmissionApplied: "exam",
    ev.ExamAdmissionDecided: "exam",
    ev.ExamResultRecorded: "exam",
}

STEP_EVENTS: tuple[type[ev.StepRecorded], ...] = get_args(ev.StepEvent)

# The desk's own records: they are no step of the client's journey, so the exit may be dated before them (as 0.1
# allowed).
ADMINISTRATIVE: tuple[type[ev.StepRecorded], ...] = (ev.ProfileCorrected, ev.CounsellorAssigned, ev.ConsentChanged)

# Contacts with the client reset the 60-day no-contact clock (besides the first contact); what authorities and
# providers do, and the desk's own records, do not. A follow-up is a contact only when the client was reached.
CONTACTS: tuple[type[ev.StepRecorded], ...] = (
    ev.CounsellingSessionHeld,
    ev.AssessmentStarted,
    ev.AssessmentCompleted,
    ev.CaseReopened,
)


def decision_due(documents_completed_on: date, fast_track: bool) -> date:
    months = FAST_TRACK_DECISION_MONTHS if fast_track else RECOGNITION_DECISION_MONTHS
    return add_months(documents_completed_on, months)


class NotACase(LookupError):
    """The events are not a case's: the id is an entry of a register beside the cases (domain/registers.py)."""


def project_case(case: Case | None, events: Iterable[ev.CaseEvent | CaseSnapshot]) -> Case | None:
    """Replays events (optionally starting with a snapshot) into the case's state."""
    for event in events:
        if not isinstance(event, (ev.CaseEvent, CaseSnapshot)):
            raise NotACase(type(event).__name__)
        case = event.state if isinstance(event, CaseSnapshot) else evolve(case, event)
    return case


def evolve(case: Case | None, event: ev.CaseEvent) -> Case:
    if isinstance(event, ev.CaseOpened):
        return _opened(event)
    if case is None:
        raise ValueError(f"{type(event).__name__} before the case was opened")
    if event.originator_version != case.version + 1:
        raise ValueError(f"event version {event.originator_version} does not follow case version {case.version}")
    if isinstance(event, ev.PersonalDataErased):
        return redacted(replace(case, version=event.originator_version, modified_on=event.timestamp))
    assert isinstance(event, STEP_EVENTS), f"not a step event: {type(event).__name__}"
    case = plan.completed_by_step(_apply_step(case, cast(ev.StepEvent, event)), event)
    # What every step changes is set in one copy of the case: a replay evolves millions of events.
    changed: dict[str, object] = {"version": event.originator_version, "modified_on": event.timestamp}
    if (stage := STAGE_OF.get(type(event))) is not None:
        changed["stage"] = stage
    if not isinstance(event, ADMINISTRATIVE) and event.date > case.last_step_on:
        changed["last_step_on"] = event.date
    if _is_contact(event) and event.date > case.last_contact_on:
        changed["last_contact_on"] = event.date
    case = replace(case, **changed)
    if case.personal_data_erased:
        # Free text recorded after the erasure is not kept either (it is stored as erased, never in clear).
        case = redacted(case)
    return case


def _is_contact(event: ev.StepRecorded) -> bool:
    if isinstance(event, ev.FollowUpRecorded):
        return event.outcome == "reached"
    return isinstance(event, CONTACTS)


def _opened(event: ev.CaseOpened) -> Case:
    if event.age_at_entry is None:  # recorded by 0.1: from the birth year alone
        age, exact = event.first_contact_on.year - event.profile.birth_year, False
    else:
        age, exact = event.age_at_entry, event.age_exact
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
        last_step_on=event.first_contact_on,
        age_at_entry=age,
        age_exact=exact,
        participant_id=event.participant_id or event.originator_id,
    )


def _apply_step(case: Case, event: ev.StepEvent) -> Case:  # noqa: C901, PLR0911, PLR0912 - one branch per step type
    match event:
        case ev.ProfileCorrected() as s:
            case = replace(case, profile=replace(case.profile, **s.profile.changed()))
            if s.age_at_entry is not None:
                case = replace(case, age_at_entry=s.age_at_entry, age_exact=bool(s.age_exact))
            if s.birth_date is not None and case.personal is not None:
                case = replace(case, personal=replace(case.personal, birth_date=s.birth_date))
            return case
        case ev.CounsellingSessionHeld() as s:
            session = Session(
                held_on=s.date, minutes=s.minutes, mode=s.mode, language=s.language, interpreter=s.interpreter
            )
            return replace(case, sessions=(*case.sessions, session))
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
        case (
            ev.RecognitionApplied()
            | ev.RecognitionReceiptConfirmed()
            | ev.RecognitionDocumentsCompleted()
            | ev.RecognitionDeadlineExtended()
            | ev.RecognitionDecided()
            | ev.RecognitionDeadlineSuspended()
            | ev.RecognitionDeadlineResumed()
            | ev.RecognitionWithdrawn()
        ):
            return _apply_recognition(case, event)
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
                application_id=s.application_id,
                offer_id=s.offer_id,
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
                application_id=s.application_id,
                basis=s.basis,
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
            exam = case.exam(s.exam_id)
            assert exam is not None
            return _replace_exam(
                case, s.exam_id, status="result_recorded", result=s.result, result_on=s.date, attempts=exam.attempts + 1
            )
        case ev.CounsellorAssigned() as s:
            return replace(case, counsellor=s.counsellor)
        case ev.CaseClosed() as s:
            return replace(
                case,
                status="closed",
                stage="closed",
                stage_before_exit=case.stage,
                exit=Exit(closed_on=s.date, reason=s.reason, situation=s.situation),
                leaving_situation=s.situation,
                follow_ups=(),
            )
        case ev.LeavingSituationRecorded() as s:
            return replace(case, leaving_situation=s.situation)
        case ev.CaseReopened():
            return replace(
                case, status="open", stage=case.stage_before_exit, exit=None, leaving_situation=None, follow_ups=()
            )
        case ev.FollowUpRecorded() as s:
            follow_up = FollowUp(
                recorded_on=s.date,
                employed=s.employed,
                improved_situation=s.improved_situation,
                reference_date=s.reference_date or s.date,
                outcome=s.outcome,
                improvement=s.improvement,
            )
            return replace(case, follow_ups=(*case.follow_ups, follow_up))
        case ev.ConsentChanged() as s:
            if s.special_categories:
                return replace(case, special_categories_consent=True)
            # Without consent the special categories are no longer known to the service.
            profile = replace(case.profile, disability="unknown", minority="unknown")
            return replace(case, special_categories_consent=False, profile=profile)
        case (
            ev.QualificationRecorded()
            | ev.ReferralMade()
            | ev.ReferralOutcomeRecorded()
            | ev.PlanAgreed()
            | ev.PlanItemDone()
        ):
            return _apply_plan_and_referrals(case, event)
    assert_never(event)


PlanEvent = ev.QualificationRecorded | ev.ReferralMade | ev.ReferralOutcomeRecorded | ev.PlanAgreed | ev.PlanItemDone


def _apply_plan_and_referrals(case: Case, event: PlanEvent) -> Case:
    match event:
        case ev.QualificationRecorded() as s:
            qualification = Qualification(
                qualification_id=s.qualification_id,
                kind=s.kind,
                country=s.country,
                title=s.title,
                year=s.year,
                recorded_on=s.date,
            )
            return replace(case, qualifications=(*case.qualifications, qualification))
        case ev.ReferralMade() as s:
            referral = Referral(
                referral_id=s.referral_id, to=s.to, organisation=s.organisation, purpose=s.purpose, referred_on=s.date
            )
            return replace(case, referrals=(*case.referrals, referral))
        case ev.ReferralOutcomeRecorded() as s:
            return replace(
                case,
                referrals=tuple(
                    replace(r, status="answered", outcome=s.outcome, outcome_on=s.date)
                    if r.referral_id == s.referral_id
                    else r
                    for r in case.referrals
                ),
            )
        case ev.PlanAgreed() as s:
            return plan.agreed(case, s)
        case ev.PlanItemDone() as s:
            return plan.done(case, s.item_id, s.date, s.TYPE)
    assert_never(event)


def _apply_recognition(case: Case, event: ev.RecognitionEvent) -> Case:  # noqa: C901, PLR0911 - one branch per type
    match event:
        case ev.RecognitionApplied() as s:
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
        case ev.RecognitionDeadlineSuspended() as s:
            return _replace_application(case, s.application_id, suspended_since=s.date, suspension_reason=s.reason)
        case ev.RecognitionDeadlineResumed() as s:
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
        case ev.RecognitionWithdrawn() as s:
            return _replace_application(
                case,
                s.application_id,
                status="withdrawn",
                withdrawn_on=s.date,
                withdrawal_reason=s.reason,
                suspended_since=None,
                suspension_reason=None,
            )
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
