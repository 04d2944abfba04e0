"""The rules of the journey's other steps: the profile's correction, assessments, courses and the catalogue's offers,
exams and their attempts, the counsellor, the exit and what follows it, qualifications, referrals and the plan."""

from datetime import date

import msgspec

from domain import steps
from domain.calendar import add_days, age_in_years
from domain.case import Case
from domain.errors import InvalidStep, RuleViolated
from domain.rules.common import (
    Context,
    not_before,
    not_in_future,
    plausible_age,
    plausible_arrival,
    special_categories_consented,
)
from domain.rules.recognition import application_of

LEAVING_SITUATION_DAYS = 28  # ESF+ "upon leaving": within four weeks of the exit
EXAM_ATTEMPTS = 3  # § 37(1) BBiG: an exam may be repeated twice
VALIDATION_RESULTS = ("full", "predominant", "partial", "not_comparable")
VALIDATION_MIN_AGE = 25


def check_profile_corrected(case: Case, step: steps.ProfileCorrected) -> None:
    changes = step.profile
    if not changes.changed():
        raise InvalidStep("correction_changes_something", "the correction names no attribute", "profile")
    birth_year = case.profile.birth_year
    if isinstance(changes.birth_date, date):
        if isinstance(changes.birth_year, int) and changes.birth_year != changes.birth_date.year:
            raise InvalidStep(
                "birth_year_matches_birth_date",
                f"birth year {changes.birth_year} is not the year of the birth date {changes.birth_date}",
                "profile.birth_year",
            )
        birth_year = changes.birth_date.year
        plausible_age(age_in_years(changes.birth_date, case.opened_on), "profile.birth_date")
    elif isinstance(changes.birth_year, int):
        if case.age_exact:
            raise InvalidStep(
                "birth_year_matches_birth_date",
                "the birth date is known: correct the birth date, the birth year follows from it",
                "profile.birth_year",
            )
        birth_year = changes.birth_year
        plausible_age(case.opened_on.year - changes.birth_year, "profile.birth_year")
    arrival_year = (
        changes.arrival_year if not isinstance(changes.arrival_year, msgspec.UnsetType) else case.profile.arrival_year
    )
    plausible_arrival(arrival_year, birth_year, case.opened_on, "profile.arrival_year")
    special_categories_consented(changes, case.special_categories_consent, "profile")


def check_assessment_started(case: Case, step: steps.AssessmentStarted) -> None:
    if case.assessment(step.assessment_id):
        raise RuleViolated(
            "assessment_id_unique",
            f"assessment '{step.assessment_id}' exists",
            "assessment_id",
            assessment_id=step.assessment_id,
        )


def check_assessment_completed(case: Case, step: steps.AssessmentCompleted) -> None:
    assessment = case.assessment(step.assessment_id)
    if assessment is None:
        raise RuleViolated(
            "completion_needs_assessment",
            f"assessment '{step.assessment_id}' was not started",
            "assessment_id",
            assessment_id=step.assessment_id,
        )
    if assessment.status == "completed":
        raise RuleViolated(
            "assessment_completes_once",
            f"assessment '{step.assessment_id}' is already completed",
            assessment_id=step.assessment_id,
        )
    not_before(step.date, assessment.started_on, "the assessment's start")


def offer_of_agency(case: Case, offer_id: str | None, context: Context, field: str) -> None:
    """An `offer_id` names an offer of the catalogue of the case's agency. A withdrawn offer counts: the enrolment may
    be recorded after the listing ended, and a new plan may repeat an earlier plan's items."""
    if offer_id is not None and not context.is_offer_of_agency(offer_id, case.agency):
        # The same answer for an id that is no offer's and another agency's offer: nothing tells them apart.
        raise RuleViolated(
            "offer_of_agency",
            f"'{offer_id}' names no offer in the catalogue of agency '{case.agency}'",
            field,
            offer_id=offer_id,
            agency=case.agency,
        )


def check_course_enrolled(case: Case, step: steps.CourseEnrolled, context: Context) -> None:
    if case.course(step.course_id):
        raise RuleViolated(
            "course_id_unique", f"course '{step.course_id}' exists", "course_id", course_id=step.course_id
        )
    if step.application_id is not None:
        application_of(case, step.application_id, "compensation")
    if step.module is not None and step.modules is not None and step.module > step.modules:
        raise InvalidStep(
            "module_within_modules",
            f"module {step.module} of {step.modules}",
            "module",
            module=step.module,
            modules=step.modules,
        )
    if step.planned_end is not None and step.planned_end < step.date:
        raise InvalidStep("planned_end_after_start", "the planned end is before the enrolment", "planned_end")
    # Last: the catalogue is asked only about an enrolment the case's own rules accept.
    offer_of_agency(case, step.offer_id, context, "offer_id")


def check_course_ended(case: Case, step: steps.CourseCompleted | steps.CourseDropped) -> None:
    course = case.course(step.course_id)
    if course is None:
        raise RuleViolated(
            "course_end_needs_enrolment", f"no course '{step.course_id}'", "course_id", course_id=step.course_id
        )
    if course.status != "enrolled":
        raise RuleViolated(
            "course_ends_once", f"course '{step.course_id}' already {course.status}", course_id=step.course_id
        )
    not_before(step.date, course.enrolled_on, "the enrolment")


def check_exam_admission_applied(case: Case, step: steps.ExamAdmissionApplied) -> None:
    if case.exam(step.exam_id):
        raise RuleViolated("exam_id_unique", f"exam '{step.exam_id}' exists", "exam_id", exam_id=step.exam_id)
    if step.application_id is not None:
        application_of(case, step.application_id, "compensation")
    birth_date = case.personal.birth_date if case.personal is not None else None
    # With only the birth year known, refuse only someone certainly younger than 25.
    age = age_in_years(birth_date, step.date) if birth_date else step.date.year - case.profile.birth_year
    if step.route == "validation" and age < VALIDATION_MIN_AGE:
        raise InvalidStep(
            "validation_needs_age_25", "the validation procedure is open from the age of 25 (§50b BBiG)", "route"
        )


def check_exam_admission_decided(case: Case, step: steps.ExamAdmissionDecided) -> None:
    exam = case.exam(step.exam_id)
    if exam is None:
        raise RuleViolated(
            "admission_decision_needs_application",
            f"no exam admission '{step.exam_id}'",
            "exam_id",
            exam_id=step.exam_id,
        )
    if exam.status != "admission_applied":
        raise RuleViolated(
            "admission_decided_once",
            f"the admission to '{step.exam_id}' is already decided",
            exam_id=step.exam_id,
        )
    not_before(step.date, exam.admission_applied_on, "the admission application")


def check_exam_result(case: Case, step: steps.ExamResultRecorded) -> None:
    exam = case.exam(step.exam_id)
    if exam is None or exam.status in ("admission_applied", "admission_refused"):
        raise RuleViolated(
            "result_needs_admission_granted",
            f"exam '{step.exam_id}' has no granted admission",
            "exam_id",
            exam_id=step.exam_id,
        )
    if exam.status == "result_recorded":
        if exam.result != "failed":
            raise RuleViolated(
                "exam_result_once", f"exam '{step.exam_id}' already has its result", exam_id=step.exam_id
            )
        if exam.attempts >= EXAM_ATTEMPTS:
            raise RuleViolated(
                "exam_attempts_exhausted",
                f"exam '{step.exam_id}' was taken {exam.attempts} times: § 37(1) BBiG allows two repetitions",
                "exam_id",
                exam_id=step.exam_id,
                attempts=exam.attempts,
            )
    # Partial comparability is the chamber's decision (§ 50b(4) BBiG): recorded as decided, whatever is known here.
    levels = VALIDATION_RESULTS if exam.route == "validation" else ("passed", "failed")
    if step.result not in levels:
        raise InvalidStep("result_fits_route", f"a {exam.route} result is one of {', '.join(levels)}", "result")
    assert exam.admission_decided_on is not None
    not_before(step.date, exam.result_on or exam.admission_decided_on, "the admission or the previous attempt")


def check_counsellor_assigned(case: Case, step: steps.CounsellorAssigned, context: Context) -> None:
    if step.counsellor == case.counsellor:
        raise RuleViolated(
            "reassignment_changes_counsellor",
            f"'{step.counsellor}' already holds the case",
            "counsellor",
            counsellor=step.counsellor,
        )
    if not context.is_active_counsellor(case.agency, step.counsellor):
        raise RuleViolated(
            "counsellor_active_in_agency",
            f"'{step.counsellor}' is not an active counsellor of agency '{case.agency}'",
            "counsellor",
            counsellor=step.counsellor,
            agency=case.agency,
        )


def _exclusive(situation: steps.Situation) -> None:
    if situation.job_searching and (situation.employed or situation.self_employed):
        raise InvalidStep(
            "leaving_situation_exclusive",
            "job searching and in employment exclude each other on leaving (ESF+ EECR01, EECR04)",
            "situation.job_searching",
        )


def check_case_closed(case: Case, step: steps.CaseClosed) -> None:
    # The exit ends the journey: it cannot come before a step already recorded on it.
    not_before(step.date, case.last_step_on, "the last recorded step")
    _exclusive(step.situation)


def check_leaving_situation(case: Case, step: steps.LeavingSituationRecorded) -> None:
    if case.exit is None or step.date > add_days(case.exit.closed_on, LEAVING_SITUATION_DAYS):
        raise RuleViolated(
            "leaving_situation_window",
            f"the situation on leaving is recorded after the exit, within {LEAVING_SITUATION_DAYS} days of it",
            "date",
            days=LEAVING_SITUATION_DAYS,
        )
    not_before(step.date, case.exit.closed_on, "the exit")
    _exclusive(step.situation)


def check_qualification_recorded(case: Case, step: steps.QualificationRecorded) -> None:
    if case.qualification(step.qualification_id):
        raise RuleViolated(
            "qualification_id_unique",
            f"qualification '{step.qualification_id}' exists",
            "qualification_id",
            qualification_id=step.qualification_id,
        )
    if step.year is not None and not case.profile.birth_year <= step.year <= step.date.year:
        raise InvalidStep(
            "qualification_year_plausible",
            f"year {step.year} is not between the birth year {case.profile.birth_year} and the step's date",
            "year",
            year=step.year,
            birth_year=case.profile.birth_year,
        )


def check_referral_made(case: Case, step: steps.ReferralMade) -> None:
    if case.referral(step.referral_id):
        raise RuleViolated(
            "referral_id_unique", f"referral '{step.referral_id}' exists", "referral_id", referral_id=step.referral_id
        )


def check_referral_outcome(case: Case, step: steps.ReferralOutcomeRecorded) -> None:
    referral = case.referral(step.referral_id)
    if referral is None:
        raise RuleViolated(
            "outcome_needs_referral", f"no referral '{step.referral_id}'", "referral_id", referral_id=step.referral_id
        )
    # Outcomes follow one another, so the latest recorded is the latest known.
    not_before(step.date, referral.outcome_on or referral.referred_on, "the referral or its previous outcome")


def check_plan_agreed(case: Case, step: steps.PlanAgreed, context: Context) -> None:
    if case.plan_agreed_on is not None:
        not_before(step.date, case.plan_agreed_on, "the current plan's agreement")
    seen: set[str] = set()
    for number, item in enumerate(step.items):
        if item.item_id in seen:
            raise InvalidStep(
                "plan_item_ids_unique",
                f"item '{item.item_id}' is named twice in the plan",
                f"items.{number}.item_id",
                item_id=item.item_id,
            )
        seen.add(item.item_id)
        carried = case.plan_item(item.item_id)
        if item.target_date < step.date and (carried is None or carried.status != "done"):
            raise InvalidStep(
                "target_date_not_before_plan",
                f"item '{item.item_id}' has its target date {item.target_date} before the plan's date {step.date}",
                f"items.{number}.target_date",
                item_id=item.item_id,
                target_date=item.target_date,
                date=step.date,
            )
    for number, item in enumerate(step.items):
        carried = case.plan_item(item.item_id)
        if carried is not None and carried.offer_id == item.offer_id:
            continue  # repeated as the plan holds it, perhaps from before the catalogue was asked (stored history)
        offer_of_agency(case, item.offer_id, context, f"items.{number}.offer_id")


def check_plan_item_done(case: Case, step: steps.PlanItemDone) -> None:
    item = case.plan_item(step.item_id)
    if item is None or case.plan_agreed_on is None:
        raise RuleViolated(
            "completion_needs_plan_item",
            f"the current plan has no item '{step.item_id}'",
            "item_id",
            item_id=step.item_id,
        )
    if item.status == "done":
        raise RuleViolated(
            "plan_item_done_once", f"plan item '{step.item_id}' is already done", "item_id", item_id=step.item_id
        )
    not_before(step.date, case.plan_agreed_on, "the plan's agreement")


def check_case_reopened(case: Case, step: steps.CaseReopened) -> None:
    if case.exit is None:
        raise RuleViolated("reopening_needs_closed_case", "the case is open")
    not_before(step.date, case.exit.closed_on, "the exit")


def check_follow_up(case: Case, step: steps.FollowUpRecorded, today: date) -> None:
    if case.exit is None:
        raise RuleViolated("follow_up_after_exit", "a follow-up is recorded only after the exit")
    not_before(step.date, case.exit.closed_on, "the exit")
    if step.reference_date is not None:
        not_in_future(step.reference_date, today, "reference_date")
        if step.reference_date > step.date:
            raise InvalidStep(
                "reference_date_not_after_date",
                f"reference_date {step.reference_date} is after the follow-up's date {step.date}",
                "reference_date",
                reference_date=step.reference_date,
                date=step.date,
            )
        if step.reference_date < case.exit.closed_on:
            raise InvalidStep(
                "date_not_before_reference",
                f"reference_date {step.reference_date} is before the exit on {case.exit.closed_on}",
                "reference_date",
                date=step.reference_date,
                reference=case.exit.closed_on,
                what="the exit",
            )
    _check_follow_up_situation(step)


def _check_follow_up_situation(step: steps.FollowUpRecorded) -> None:
    if step.outcome != "reached":
        for name in ("employed", "improved_situation", "improvement"):
            if getattr(step, name) is not None:
                raise InvalidStep(
                    "follow_up_situation_only_when_reached",
                    f"{name} is recorded only when the client was reached (outcome {step.outcome})",
                    name,
                )
        return
    if step.employed is None:
        raise InvalidStep("follow_up_needs_situation", "a reached follow-up records whether employed", "employed")
    if step.improvement is None and step.improved_situation is None:
        raise InvalidStep(
            "follow_up_needs_situation",
            "a reached follow-up records improved_situation (or the improvement)",
            "improved_situation",
        )
    if step.improvement is not None and step.improved_situation not in (None, step.improvement != "none"):
        raise InvalidStep(
            "improvement_matches_improved_situation",
            f"improvement '{step.improvement}' and improved_situation {step.improved_situation} contradict each other",
            "improved_situation",
        )


def check_consent_changed(case: Case, step: steps.ConsentChanged) -> None:
    if step.special_categories == case.special_categories_consent:
        state = "given" if step.special_categories else "not given"
        raise RuleViolated("consent_changes", f"consent to special categories is already {state}", "special_categories")
