"""Employers: the firms a desk approaches and counsels on qualifying their staff, each a record with its history.

An employer is registered once (name, size, sector, postal code) and then grows by steps: contacted (by letter,
phone, e-mail, a visit or at an event), counselled (minutes, topics, how many employees are interested), an employee
referred to it (optionally naming the client's case), or a change of its name, size, sector or postal code. Its name
is a firm's, not a person's: employers hold no personal data. Its size decides whether it counts as a small or
medium-sized enterprise supported (ESF+ EECO19, domain/indicators_v2.py).
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from domain.command_data import Data
from domain.desk import not_in_future
from domain.errors import RuleViolated
from domain.registers import Register, RegisterEvent, Stamp, follows
from domain.vocabulary import LineText, Minutes

EmployerSize = Literal["micro", "small", "medium", "large"]
EmployerChannel = Literal["letter", "phone", "email", "visit", "event"]
EmployerTopic = Literal[
    "qualification_needs", "funding", "recognition", "partial_qualifications", "external_exam", "other"
]
PostalCode = Annotated[str, Meta(pattern=r"^[0-9]{5}$", description="a German postal code: five digits")]
Headcount = Annotated[int, Meta(ge=0, le=100_000)]
EmployerTopics = Annotated[tuple[EmployerTopic, ...], Meta(max_length=20)]

# Commands


class RegisterEmployer(Data, frozen=True):
    """A firm the desk has to do with, registered at the caller's agency."""

    name: LineText
    size: EmployerSize
    sector: LineText
    postal_code: PostalCode


class EmployerStepCommand(Data, tag_field="type", frozen=True):
    """A step of an employer's record; `date` is when it happened."""

    date: date


class ContactEmployer(EmployerStepCommand, tag="employer_contacted", frozen=True):
    channel: EmployerChannel


class CounselEmployer(EmployerStepCommand, tag="employer_counselled", frozen=True):
    """`employees_interested`: how many of its staff want to qualify, as the employer says now."""

    minutes: Minutes
    topics: EmployerTopics = ()
    employees_interested: Headcount = 0


class ReferEmployee(EmployerStepCommand, tag="employee_referred", frozen=True):
    """A client sent to the employer; `case_id` names her case, a case of the employer's agency."""

    case_id: UUID | None = None


class ChangeEmployer(EmployerStepCommand, tag="employer_changed", frozen=True):
    """A correction, or the firm changed (it grew, moved, was renamed): the fields given replace the earlier ones."""

    name: LineText | None = None
    size: EmployerSize | None = None
    sector: LineText | None = None
    postal_code: PostalCode | None = None


EmployerStep = ContactEmployer | CounselEmployer | ReferEmployee | ChangeEmployer

# Events


class EmployerEvent(RegisterEvent, frozen=True, kw_only=True):
    """What happened to an employer's record."""


class EmployerRegistered(EmployerEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.employer.EmployerRegistered"
    TYPE = "employer_registered"
    agency: str
    registered_on: date
    name: str
    size: EmployerSize
    sector: str
    postal_code: str


class EmployerContacted(EmployerEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.employer.EmployerContacted"
    TYPE = "employer_contacted"
    date: date
    channel: EmployerChannel


class EmployerCounselled(EmployerEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.employer.EmployerCounselled"
    TYPE = "employer_counselled"
    date: date
    minutes: int
    topics: tuple[str, ...] = ()
    employees_interested: int = 0


class EmployeeReferred(EmployerEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.employer.EmployeeReferred"
    TYPE = "employee_referred"
    date: date
    case_id: UUID | None = None


class EmployerChanged(EmployerEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.employer.EmployerChanged"
    TYPE = "employer_changed"
    date: date
    name: str | None = None
    size: EmployerSize | None = None
    sector: str | None = None
    postal_code: str | None = None


STEP_EVENTS: dict[type[EmployerStepCommand], type[EmployerEvent]] = {
    ContactEmployer: EmployerContacted,
    CounselEmployer: EmployerCounselled,
    ReferEmployee: EmployeeReferred,
    ChangeEmployer: EmployerChanged,
}
CHANGEABLE = ("name", "size", "sector", "postal_code")

# State


class Employer(msgspec.Struct, frozen=True, kw_only=True):
    """An employer as its events leave it.

    `last_contact_on`: the latest day the desk had to do with it (contacted, counselled, an employee referred);
    `counselled_on`: the days it was counselled, each once, in order; `employees_interested`: as its latest
    counselling said; `referred_cases`: the cases named by referrals, in the order recorded.
    """

    id: UUID
    version: int
    agency: str
    name: str
    size: EmployerSize
    sector: str
    postal_code: str
    registered_on: date
    registered_at: datetime
    modified_at: datetime
    contacts: int = 0
    counselling_sessions: int = 0
    counselling_minutes: int = 0
    counselled_on: tuple[date, ...] = ()
    contacted_on: tuple[date, ...] = ()  # the days it was contacted (letter, call, visit, …), each once, in order
    employees_interested: int = 0
    employees_referred: int = 0
    referred_cases: tuple[UUID, ...] = ()
    last_contact_on: date | None = None


# Decisions

CaseCheck = Callable[[UUID, str], bool]  # is there a case of that id at that agency?


def register_employer(agency: str, command: RegisterEmployer, stamp: Stamp) -> EmployerRegistered:
    return EmployerRegistered(
        **stamp.fields(), agency=agency, registered_on=stamp.today, **msgspec.structs.asdict(command)
    )


def record_employer_step(
    employer: Employer, step: EmployerStep, stamp: Stamp, is_case_of_agency: CaseCheck
) -> EmployerEvent:
    """Checks the step against the employer's rules and answers the event that records it."""
    not_in_future(step.date, stamp.today)
    if (
        isinstance(step, ReferEmployee)
        and step.case_id is not None
        and not is_case_of_agency(step.case_id, employer.agency)
    ):
        # The same answer whether the case does not exist or is another agency's: nothing tells them apart.
        raise RuleViolated(
            "referred_case_of_agency",
            f"case {step.case_id} is no case of agency '{employer.agency}', whose employer this is",
            "case_id",
            case_id=step.case_id,
            agency=employer.agency,
        )
    if isinstance(step, ChangeEmployer) and not _changes(employer, step):
        raise RuleViolated(
            "employer_changed_changes_something",
            "the change names no field (name, size, sector, postal_code) with a value other than the employer's",
        )
    return STEP_EVENTS[type(step)](**stamp.fields(), **msgspec.structs.asdict(step))


def _changes(employer: Employer, step: ChangeEmployer) -> dict[str, Any]:
    return {
        name: value
        for name in CHANGEABLE
        if (value := getattr(step, name)) is not None and value != getattr(employer, name)
    }


# Evolution


def evolve_employer(employer: Employer | None, event: EmployerEvent) -> Employer:
    """The employer after the event; ValueError for an event that cannot come next (a corrupt log)."""
    if employer is None:
        if not isinstance(event, EmployerRegistered) or event.originator_version != 1:
            raise ValueError(f"an employer begins with its registration, not with {type(event).__name__}")
        return Employer(
            id=event.originator_id,
            version=1,
            agency=event.agency,
            name=event.name,
            size=event.size,
            sector=event.sector,
            postal_code=event.postal_code,
            registered_on=event.registered_on,
            registered_at=event.timestamp,
            modified_at=event.timestamp,
        )
    follows(employer, event)
    moved = {"version": event.originator_version, "modified_at": event.timestamp}
    match event:
        case EmployerContacted():
            return msgspec.structs.replace(
                employer,
                **moved,
                contacts=employer.contacts + 1,
                contacted_on=tuple(sorted({*employer.contacted_on, event.date})),
                last_contact_on=_later(employer, event.date),
            )
        case EmployerCounselled():
            return msgspec.structs.replace(
                employer,
                **moved,
                counselling_sessions=employer.counselling_sessions + 1,
                counselling_minutes=employer.counselling_minutes + event.minutes,
                counselled_on=tuple(sorted({*employer.counselled_on, event.date})),
                employees_interested=event.employees_interested,
                last_contact_on=_later(employer, event.date),
            )
        case EmployeeReferred():
            cases = employer.referred_cases if event.case_id is None else (*employer.referred_cases, event.case_id)
            return msgspec.structs.replace(
                employer,
                **moved,
                employees_referred=employer.employees_referred + 1,
                referred_cases=cases,
                last_contact_on=_later(employer, event.date),
            )
        case EmployerChanged():
            changed = {name: value for name in CHANGEABLE if (value := getattr(event, name)) is not None}
            return msgspec.structs.replace(employer, **moved, **changed)
        case _:
            raise ValueError(f"{type(event).__name__} cannot follow an employer's registration")


def _later(employer: Employer, day: date) -> date:
    return day if employer.last_contact_on is None else max(employer.last_contact_on, day)


def occurred_on(event: EmployerEvent) -> date:
    """The day the event happened (a registration: the day it was recorded)."""
    if isinstance(event, EmployerContacted | EmployerCounselled | EmployeeReferred | EmployerChanged):
        return event.date
    if isinstance(event, EmployerRegistered):
        return event.registered_on
    raise TypeError(f"not an employer's event: {event!r}")


EMPLOYERS: Register[Employer] = Register(
    "employer",
    Employer,
    (EmployerRegistered, EmployerContacted, EmployerCounselled, EmployeeReferred, EmployerChanged),
    evolve_employer,
)
