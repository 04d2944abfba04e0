"""Small builders for domain unit tests: a fixed calendar, an opened case and step commands with sensible defaults."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import msgspec
import pytest

from domain import decisions, steps
from domain import events as ev
from domain.case import Case
from domain.errors import DomainError, RuleViolated
from domain.evolution import evolve

AGENCY = "koeln"
COUNSELLOR = "ayse"
CASE_ID = UUID("00000000-0000-4000-8000-000000000001")
OPENED_ON = date(2026, 1, 5)
TODAY = date(2026, 6, 30)
AT = datetime(2026, 6, 30, 8, 15, tzinfo=UTC)

S = TypeVar("S", bound=steps.StepCommand)


def context(
    *,
    today: date = TODAY,
    at: datetime = AT,
    recorded_by: str = COUNSELLOR,
    active: Iterable[str] | None = None,
    offers: Iterable[str] | None = None,
) -> decisions.Context:
    """A context on a fixed day; `active` names the agency's active counsellors, `offers` the ids of its catalogue's
    offers (default: everyone is one, every id is one)."""
    names = None if active is None else frozenset(active)
    catalogue = None if offers is None else frozenset(offers)

    def check(agency: str, name: str) -> bool:
        return names is None or (agency == AGENCY and name in names)

    def listed(offer_id: str, agency: str) -> bool:
        return catalogue is None or (agency == AGENCY and offer_id in catalogue)

    return decisions.Context(
        recorded_by=recorded_by, at=at, today=today, is_active_counsellor=check, is_offer_of_agency=listed
    )


CONTEXT = context()


def day(offset: int) -> date:
    """The day `offset` days after the first contact."""
    return OPENED_ON + timedelta(days=offset)


def profile(**changes: Any) -> steps.Profile:
    fields: dict[str, Any] = {
        "birth_year": 1988,
        "gender": "female",
        "labour_status": "unemployed",
        "isced": 3,
        "foreign_background": True,
        "third_country_national": True,
        "qualification_country": "TR",
        "target_occupation": "Kaufmann im Einzelhandel",
    }
    return steps.Profile(**{**fields, **changes})


def recorded_profile(**changes: Any) -> dict[str, Any]:
    """The statistical profile a case keeps for `profile(**changes)`: the birth date is personal data, kept apart."""
    data: dict[str, Any] = msgspec.to_builtins(profile(**changes))
    birth_date = data.pop("birth_date")
    if birth_date is not None:
        data["birth_year"] = date.fromisoformat(birth_date).year
    return data


def open_command(*, consent: bool = False, **changes: Any) -> steps.OpenCase:
    fields: dict[str, Any] = {
        "first_contact_on": OPENED_ON,
        "channel": "walk_in",
        "referral_source": "jobcenter",
        "profile": profile(),
        "personal": steps.PersonalData(name="Aylin Demir", email="aylin@example.org"),
        "consent": steps.Consent(special_categories=consent),
    }
    return steps.OpenCase(**{**fields, **changes})


def opened_case(*, consent: bool = False, ctx: decisions.Context = CONTEXT, **changes: Any) -> Case:
    """A freshly opened case (version 1) at the test agency."""
    return evolve(None, decisions.open_case(CASE_ID, AGENCY, open_command(consent=consent, **changes), ctx))


STEP_DEFAULTS: dict[type[steps.StepCommand], dict[str, Any]] = {
    steps.ProfileCorrected: {"profile": steps.ProfileChanges(isced=4)},
    steps.CounsellingSessionHeld: {"minutes": 45, "topics": ("recognition",)},
    steps.AssessmentStarted: {"assessment_id": "a1", "instrument": "profilpass"},
    steps.AssessmentCompleted: {"assessment_id": "a1", "recommended_pathway": "recognition"},
    steps.RecognitionApplied: {
        "application_id": "r1",
        "reference_occupation": "Kaufmann im Einzelhandel",
        "responsible_body": "ihk_fosa",
    },
    steps.RecognitionReceiptConfirmed: {"application_id": "r1", "missing_documents": ("diploma translation",)},
    steps.RecognitionDocumentsCompleted: {"application_id": "r1"},
    steps.RecognitionDeadlineExtended: {"application_id": "r1", "due": date(2026, 12, 31), "reason": "expert opinion"},
    steps.RecognitionDecided: {"application_id": "r1", "outcome": "full"},
    steps.RecognitionDeadlineSuspended: {"application_id": "r1", "reason": "qualification_analysis"},
    steps.RecognitionDeadlineResumed: {"application_id": "r1"},
    steps.RecognitionWithdrawn: {"application_id": "r1", "reason": "client moved abroad"},
    steps.CourseEnrolled: {
        "course_id": "c1",
        "kind": "exam_preparation",
        "provider": "VHS",
        "funding": "education_voucher",
    },
    steps.CourseCompleted: {"course_id": "c1", "certificate": True},
    steps.CourseDropped: {"course_id": "c1", "reason": "moved to a job"},
    steps.ExamAdmissionApplied: {
        "exam_id": "e1",
        "route": "external_exam",
        "occupation": "Kaufmann im Einzelhandel",
        "chamber": "ihk",
    },
    steps.ExamAdmissionDecided: {"exam_id": "e1", "granted": True},
    steps.ExamResultRecorded: {"exam_id": "e1", "result": "passed"},
    steps.CounsellorAssigned: {"counsellor": "ben", "reason": "transfer"},
    steps.CaseClosed: {
        "reason": "qualification_obtained",
        "situation": steps.Situation(
            job_searching=False, in_education_or_training=False, qualification_gained=True, employed=True
        ),
    },
    steps.LeavingSituationRecorded: {
        "situation": steps.Situation(
            job_searching=False,
            in_education_or_training=False,
            qualification_gained=True,
            employed=False,
            self_employed=True,
        ),
    },
    steps.CaseReopened: {"reason": "client returned"},
    steps.FollowUpRecorded: {"employed": True, "improved_situation": True},
    steps.ConsentChanged: {"special_categories": True},
    steps.QualificationRecorded: {
        "qualification_id": "q1",
        "kind": "vocational",
        "country": "TR",
        "title": "Meslek Lisesi Diplomasi",
        "year": 2006,
    },
    steps.ReferralMade: {"referral_id": "v1", "to": "language_course", "organisation": "VHS Köln", "purpose": "B1"},
    steps.ReferralOutcomeRecorded: {"referral_id": "v1", "outcome": "accepted"},
    steps.PlanAgreed: {
        "items": (
            steps.PlanItem(item_id="p1", kind="recognition", description="apply at IHK FOSA", target_date=TODAY),
            steps.PlanItem(item_id="p2", kind="other", description="collect references", target_date=TODAY),
        )
    },
    steps.PlanItemDone: {"item_id": "p1"},
}


def step(kind: type[S], on: date | int = 10, /, **fields: Any) -> S:
    """A step of `kind` with default fields; `on` is a date or a day offset from the first contact."""
    when = on if isinstance(on, date) else day(on)
    return kind(**{"date": when, **STEP_DEFAULTS[kind], **fields})


def record(case: Case, command: steps.StepCommand, ctx: decisions.Context = CONTEXT) -> tuple[ev.StepRecorded, Case]:
    """Records one step: the event the case decided on and the case evolved by it."""
    event = decisions.record_step(case, command, ctx)
    return event, evolve(case, event)


def apply(case: Case, *commands: steps.StepCommand, ctx: decisions.Context = CONTEXT) -> Case:
    """The case after recording every command in order (each must be accepted)."""
    for command in commands:
        case = evolve(case, decisions.record_step(case, command, ctx))
    return case


def expect_refusal(
    case: Case,
    command: steps.StepCommand,
    error: type[DomainError],
    rule: str,
    field: str | None = None,
    ctx: decisions.Context = CONTEXT,
) -> DomainError:
    """Asserts that the case refuses the command with exactly this error class, rule and field."""
    with pytest.raises(DomainError) as caught:
        decisions.record_step(case, command, ctx)
    assert type(caught.value) is error, caught.value
    assert (caught.value.rule, caught.value.field) == (rule, field), caught.value
    return caught.value


OFFER = "6f1c2a4e-3b7d-4c8e-9a51-2d4e6f8a0b1c"  # the one offer of the agency's catalogue: context(offers={OFFER})
NO_OFFERS = ("vhs-b2-2026", "0b9e3c1d-5a2f-4e6b-8c7d-1f2a3b4c5d6e")  # no UUID, and a UUID of no offer


def expect_no_offer_of_agency(case: Case, command: steps.StepCommand, field: str, offer_id: str) -> None:
    """Asserts that the case refuses the command naming `offer_id` by rule offer_of_agency, naming the field, the
    offer and the agency, when the agency's catalogue holds OFFER alone."""
    refusal = expect_refusal(case, command, RuleViolated, "offer_of_agency", field, ctx=context(offers={OFFER}))
    assert refusal.facts == {"offer_id": offer_id, "agency": AGENCY}


# Cases at typical points of the journey.


def case_with_application(*, regulated: bool = False, fast_track: bool = False, on: date | int = 10) -> Case:
    return apply(opened_case(), step(steps.RecognitionApplied, on, regulated=regulated, fast_track=fast_track))


def case_with_documents_complete(*, fast_track: bool = False, completed_on: date | int = 30) -> Case:
    case = case_with_application(fast_track=fast_track)
    return apply(case, step(steps.RecognitionDocumentsCompleted, completed_on))


def case_with_exam(*, route: str = "external_exam", granted: bool | None = True, **open_fields: Any) -> Case:
    """A case with exam `e1` applied on day 10 and, unless `granted` is None, decided on day 20."""
    case = apply(opened_case(**open_fields), step(steps.ExamAdmissionApplied, 10, route=route))
    if granted is None:
        return case
    return apply(case, step(steps.ExamAdmissionDecided, 20, granted=granted))


def case_with_suspension(*, completed_on: date | int = date(2026, 2, 10), on: date | int = date(2026, 3, 1)) -> Case:
    """Application r1 with its documents complete on `completed_on` and its decision deadline suspended on `on`."""
    return apply(case_with_documents_complete(completed_on=completed_on), step(steps.RecognitionDeadlineSuspended, on))


def case_with_partial_decision(*, regulated: bool = True, compensation: str = "adaptation_course") -> Case:
    """Application r1 applied on day 10, decided partial on day 50 with a compensation measure."""
    command = step(steps.RecognitionDecided, 50, outcome="partial", compensation=compensation)
    return apply(case_with_application(regulated=regulated), command)


def plan_item(item_id: str, kind: str, target: date | int, offer_id: str | None = None) -> steps.PlanItem:
    """A plan item due `target` (a date or a day offset from the first contact)."""
    target_date = target if isinstance(target, date) else day(target)
    return steps.PlanItem(
        item_id=item_id, kind=kind, description=f"{kind} {item_id}", target_date=target_date, offer_id=offer_id
    )


def case_with_plan(*items: steps.PlanItem, on: date | int = 10) -> Case:
    """A case whose plan, agreed on `on`, holds `items`."""
    return apply(opened_case(), step(steps.PlanAgreed, on, items=items))


def closed_case(*, on: date | int = 40, before: Iterable[steps.StepCommand] = ()) -> Case:
    return apply(opened_case(), *before, step(steps.CaseClosed, on))


def facts_of(event: ev.StepRecorded) -> dict[str, Any]:
    """What an event records about the step, without who recorded it when (the envelope)."""
    data: dict[str, Any] = msgspec.to_builtins(event)
    return {name: value for name, value in data.items() if name not in ev.ENVELOPE_FIELDS}


def asked_of(command: steps.StepCommand) -> dict[str, Any]:
    """What the command asked to record, without its type tag."""
    data: dict[str, Any] = msgspec.to_builtins(command)
    data.pop("type")
    return data
