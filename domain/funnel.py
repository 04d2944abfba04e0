"""The pathway funnel: which pathway a journey took and the day it reached each stage."""

from dataclasses import dataclass
from datetime import date

from domain.case import Case

FUNNEL_DEFINITION_VERSION = "pathway-funnel/lotse-1"
FUNNEL_STAGES = ("first_contact", "assessment", "pathway_started", "outcome", "exit", "qualified")
PATHWAYS = ("recognition", "validation", "partial_qualifications", "external_exam", "retraining", "undecided")


@dataclass(frozen=True)
class FunnelPosition:
    pathway: str
    reached: dict[str, date]  # stage → the day it was first reached


def pathway_of(case: Case) -> str:
    """The pathway the journey took: the first that matches, most specific first."""
    if case.applications:
        return "recognition"
    if any(exam.route == "validation" for exam in case.exams):
        return "validation"
    if any(course.kind == "partial_qualification" for course in case.courses):
        return "partial_qualifications"
    if any(exam.route == "external_exam" for exam in case.exams) or any(
        course.kind == "exam_preparation" for course in case.courses
    ):
        return "external_exam"
    if any(course.kind == "retraining" for course in case.courses):
        return "retraining"
    return "undecided"


def funnel_position(case: Case) -> FunnelPosition:
    starts = [
        *(application.applied_on for application in case.applications),
        *(course.enrolled_on for course in case.courses),
        *(exam.admission_applied_on for exam in case.exams),
    ]
    outcomes = [
        *(application.decided_on for application in case.applications if application.decided_on),
        *(exam.result_on for exam in case.exams if exam.result_on),
        *(course.ended_on for course in case.courses if course.ended_on and course.status == "completed"),
    ]
    reached: dict[str, date | None] = {
        "first_contact": case.opened_on,
        "assessment": min((a.started_on for a in case.assessments), default=None),
        "pathway_started": min(starts, default=None),
        "outcome": min(outcomes, default=None),
        "exit": case.closed_on,
        "qualified": case.closed_on if case.exit and case.exit.situation.qualification_gained else None,
    }
    return FunnelPosition(
        pathway=pathway_of(case), reached={stage: day for stage, day in reached.items() if day is not None}
    )
