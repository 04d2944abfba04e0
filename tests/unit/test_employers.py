"""The employer register's rules (domain/employers.py) and EECO19 (domain/indicators_v2.py), without I/O."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.desk import employer_history_entry, shows_case_links
from application.ports import ROLES, Principal
from application.statistics import SMES_SUPPORTED, esf_counts, shown_indicators
from domain.employers import (
    EMPLOYERS,
    ChangeEmployer,
    ContactEmployer,
    CounselEmployer,
    EmployeeReferred,
    Employer,
    EmployerContacted,
    EmployerRegistered,
    EmployerStep,
    ReferEmployee,
    RegisterEmployer,
    evolve_employer,
    record_employer_step,
    register_employer,
)
from domain.errors import InvalidStep, RuleViolated
from domain.indicators_v2 import SME_SIZES, sme_support_days, smes_supported
from domain.registers import Stamp

EMPLOYER_ID = UUID("00000000-0000-4000-8000-0000000000e1")
CASE_OF_KOELN = UUID("00000000-0000-4000-8000-0000000000c1")
TODAY = date(2026, 6, 30)
AT = datetime(2026, 6, 30, 8, 15, tzinfo=UTC)
REGISTRATION = RegisterEmployer(name="Bäckerei Schmitz GmbH", size="small", sector="Handwerk", postal_code="50667")


def stamp(version: int, today: date = TODAY) -> Stamp:
    return Stamp(
        entry_id=EMPLOYER_ID, version=version, at=AT + timedelta(minutes=version), today=today, recorded_by="ayse"
    )


def known_cases(case_id: UUID, agency: str) -> bool:
    return (case_id, agency) == (CASE_OF_KOELN, "koeln")


def registered(command: RegisterEmployer = REGISTRATION) -> Employer:
    return evolve_employer(None, register_employer("koeln", command, stamp(1)))


def after(employer: Employer, *steps: EmployerStep) -> Employer:
    for step in steps:
        event = record_employer_step(employer, step, stamp(employer.version + 1), known_cases)
        employer = evolve_employer(employer, event)
    return employer


def decode(body: dict[str, Any]) -> EmployerStep:
    return msgspec.json.decode(msgspec.json.encode(body), type=EmployerStep)


def test_a_registered_employer_is_of_its_agency_with_nothing_done_yet() -> None:
    employer = registered()

    assert (employer.id, employer.version, employer.agency) == (EMPLOYER_ID, 1, "koeln")
    assert (employer.name, employer.size, employer.sector, employer.postal_code) == (
        "Bäckerei Schmitz GmbH",
        "small",
        "Handwerk",
        "50667",
    )
    assert employer.registered_on == TODAY
    assert (employer.contacts, employer.counselling_sessions, employer.employees_referred) == (0, 0, 0)
    assert employer.last_contact_on is None


def test_steps_count_contacts_counselling_and_referrals_and_the_last_contact() -> None:
    employer = after(
        registered(),
        ContactEmployer(date=date(2026, 2, 1), channel="letter"),
        CounselEmployer(date=date(2026, 3, 2), minutes=90, topics=("funding",), employees_interested=4),
        CounselEmployer(date=date(2026, 3, 2), minutes=30, employees_interested=2),
        ReferEmployee(date=date(2026, 4, 1), case_id=CASE_OF_KOELN),
        ReferEmployee(date=date(2026, 1, 15)),  # recorded late: the last contact stays the latest day
    )

    assert employer.version == 6
    assert (employer.contacts, employer.counselling_sessions, employer.counselling_minutes) == (1, 2, 120)
    assert employer.counselled_on == (date(2026, 3, 2),)  # each day once
    assert employer.employees_interested == 2  # as the latest counselling said
    assert employer.employees_referred == 2
    assert employer.referred_cases == (CASE_OF_KOELN,)
    assert employer.last_contact_on == date(2026, 4, 1)


def test_a_change_replaces_the_fields_it_gives() -> None:
    employer = after(registered(), ChangeEmployer(date=date(2026, 5, 1), size="large", postal_code="50668"))

    assert (employer.name, employer.size, employer.postal_code) == ("Bäckerei Schmitz GmbH", "large", "50668")
    assert employer.last_contact_on is None  # a correction is no contact


@pytest.mark.parametrize(
    "change",
    [ChangeEmployer(date=date(2026, 5, 1)), ChangeEmployer(date=date(2026, 5, 1), size="small", sector="Handwerk")],
)
def test_a_change_that_changes_nothing_is_refused(change: ChangeEmployer) -> None:
    with pytest.raises(RuleViolated) as refused:
        after(registered(), change)

    assert refused.value.rule == "employer_changed_changes_something"


@pytest.mark.parametrize(
    "step",
    [
        ContactEmployer(date=TODAY + timedelta(days=1), channel="phone"),
        CounselEmployer(date=TODAY + timedelta(days=1), minutes=30),
        ReferEmployee(date=TODAY + timedelta(days=1)),
        ChangeEmployer(date=TODAY + timedelta(days=1), size="large"),
    ],
)
def test_no_step_is_dated_in_the_future(step: EmployerStep) -> None:
    with pytest.raises(InvalidStep) as refused:
        after(registered(), step)

    assert (refused.value.rule, refused.value.field) == ("date_not_in_future", "date")
    assert after(registered(), msgspec.structs.replace(step, date=TODAY)).version == 2  # today is fine


@pytest.mark.parametrize("case_id", [uuid4(), EMPLOYER_ID])
def test_a_referral_names_a_case_of_the_employers_agency_or_none(case_id: UUID) -> None:
    with pytest.raises(RuleViolated) as refused:
        after(registered(), ReferEmployee(date=TODAY, case_id=case_id))

    assert (refused.value.rule, refused.value.field) == ("referred_case_of_agency", "case_id")


def test_a_referral_to_a_case_of_another_agency_is_refused_as_if_there_were_none() -> None:
    bonn = evolve_employer(None, register_employer("bonn", REGISTRATION, stamp(1)))

    with pytest.raises(RuleViolated) as refused:
        after(bonn, ReferEmployee(date=TODAY, case_id=CASE_OF_KOELN))

    assert refused.value.rule == "referred_case_of_agency"
    assert "bonn" in refused.value.detail


def test_an_event_out_of_order_is_a_corrupt_log_not_a_state() -> None:
    employer = registered()
    contacted = EmployerContacted(
        originator_id=EMPLOYER_ID, originator_version=3, timestamp=AT, recorded_by="ayse", date=TODAY, channel="email"
    )
    with pytest.raises(ValueError, match="version 3"):
        evolve_employer(employer, contacted)
    with pytest.raises(ValueError, match="registration"):
        evolve_employer(None, msgspec.structs.replace(contacted, originator_version=1))
    again = register_employer("koeln", REGISTRATION, stamp(2))
    with pytest.raises(ValueError, match="cannot follow"):
        evolve_employer(employer, again)


def test_the_register_projects_an_employer_from_its_events() -> None:
    first = register_employer("koeln", REGISTRATION, stamp(1))
    second = record_employer_step(registered(), ReferEmployee(date=TODAY), stamp(2), known_cases)

    assert isinstance(first, EmployerRegistered)
    assert isinstance(second, EmployeeReferred)
    assert EMPLOYERS.project([first, second]) == after(registered(), ReferEmployee(date=TODAY))
    assert EMPLOYERS.project([]) is None


def test_steps_are_decoded_by_their_type_and_their_bounds() -> None:
    assert decode({"type": "employer_contacted", "date": "2026-03-02", "channel": "visit"}) == ContactEmployer(
        date=date(2026, 3, 2), channel="visit"
    )
    counselled = decode(
        {"type": "employer_counselled", "date": "2026-03-02", "minutes": 45, "topics": ["funding", "recognition"]}
    )
    assert counselled == CounselEmployer(date=date(2026, 3, 2), minutes=45, topics=("funding", "recognition"))
    assert decode({"type": "employee_referred", "date": "2026-03-02"}) == ReferEmployee(date=date(2026, 3, 2))
    refused = [
        {"type": "employer_contacted", "date": "2026-03-02", "channel": "pigeon"},
        {"type": "employer_counselled", "date": "2026-03-02", "minutes": 0},
        {"type": "employer_counselled", "date": "2026-03-02", "minutes": 30, "topics": ["gossip"]},
        {"type": "employer_counselled", "date": "2026-03-02", "minutes": 30, "employees_interested": -1},
        {"type": "employee_referred", "date": "2026-03-02", "case_id": "not-a-uuid"},
        {"type": "employer_changed", "date": "2026-03-02", "postal_code": "5066"},
        {"type": "employer_changed", "date": "2026-03-02", "size": "huge"},
        {"type": "employer_contacted", "date": "2026-03-02", "channel": "phone", "note": "unknown field"},
        {"type": "employer_registered", "date": "2026-03-02"},
    ]
    for body in refused:
        with pytest.raises(msgspec.ValidationError):
            decode(body)
    for postal_code in ("5066", "506670", "5066a", ""):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert({**msgspec.structs.asdict(REGISTRATION), "postal_code": postal_code}, RegisterEmployer)


def employer_of(size: str, days: list[date]) -> Employer:
    employer = registered(msgspec.structs.replace(REGISTRATION, size=size))
    return after(employer, *(CounselEmployer(date=day, minutes=30) for day in days))


def test_eeco19_counts_small_and_medium_employers_counselled_in_the_period_once() -> None:
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    employers = [
        employer_of("micro", [date(2026, 1, 1)]),  # on the first day
        employer_of("small", [date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 1)]),  # several times: once
        employer_of("medium", [date(2025, 12, 31), date(2026, 4, 1)]),  # before and after: not
        employer_of("large", [date(2026, 2, 1)]),  # not an SME
        after(registered(), ContactEmployer(date=date(2026, 2, 1), channel="phone")),  # contacted, not counselled
    ]

    assert smes_supported(employers, start, end) == 2
    assert sme_support_days(employers[3]) == ()


def test_an_employer_that_grew_large_no_longer_counts_in_any_period() -> None:
    employer = employer_of("medium", [date(2026, 2, 1)])
    grown = after(employer, ChangeEmployer(date=date(2026, 5, 1), size="large"))

    assert smes_supported([employer], date(2026, 1, 1), date(2026, 12, 31)) == 1
    assert smes_supported([grown], date(2026, 1, 1), date(2026, 12, 31)) == 0


DAYS = st.dates(min_value=date(2025, 1, 1), max_value=TODAY)
STEPS = st.one_of(
    st.builds(ContactEmployer, date=DAYS, channel=st.sampled_from(["letter", "phone", "email", "visit", "event"])),
    st.builds(CounselEmployer, date=DAYS, minutes=st.integers(1, 1440), employees_interested=st.integers(0, 50)),
    st.builds(ReferEmployee, date=DAYS, case_id=st.sampled_from([None, CASE_OF_KOELN])),
    st.builds(ChangeEmployer, date=DAYS, size=st.sampled_from(["micro", "small", "medium", "large"])),
)


@given(steps=st.lists(STEPS, max_size=25), start=DAYS, length=st.integers(0, 400))
def test_an_employer_is_what_its_steps_say_whatever_their_order(
    steps: list[EmployerStep], start: date, length: int
) -> None:
    employer = registered()
    accepted: list[EmployerStep] = []
    for step in steps:
        if isinstance(step, ChangeEmployer) and step.size == employer.size:  # changes nothing: refused
            with pytest.raises(RuleViolated, match="no field"):
                after(employer, step)
            continue
        employer = after(employer, step)
        accepted.append(step)

    counselled = [step for step in accepted if isinstance(step, CounselEmployer)]
    contact_days = [step.date for step in accepted if not isinstance(step, ChangeEmployer)]
    sizes = ["small", *(step.size for step in accepted if isinstance(step, ChangeEmployer))]
    assert employer.version == 1 + len(accepted)
    assert employer.contacts == sum(isinstance(step, ContactEmployer) for step in accepted)
    assert employer.counselling_sessions == len(counselled)
    assert employer.counselled_on == tuple(sorted({step.date for step in counselled}))
    assert employer.employees_referred == sum(isinstance(step, ReferEmployee) for step in accepted)
    assert employer.last_contact_on == (max(contact_days) if contact_days else None)
    assert employer.size == sizes[-1]
    end = start + timedelta(days=length)
    in_period = any(start <= step.date <= end for step in counselled)
    assert smes_supported([employer], start, end) == int(in_period and employer.size in SME_SIZES)


def test_an_sme_total_under_five_is_suppressed_for_analysts_and_reveals_nothing_else() -> None:
    counts = esf_counts("entry", {"EECO01": {"female": 9, "male": 6}, SMES_SUPPORTED: {"total": 3}}).counts

    assert list(counts)[-2:] == ["EECO17", "EECO19"]
    assert counts["EECO19"] == {"total": 3}
    shown = shown_indicators(counts, suppressed=True)
    assert shown.indicators["EECO19"] == {"total": None}
    assert "EECO19.total" in shown.suppressed
    assert shown.indicators["EECO01"] == {"female": 9, "male": 6, "diverse": None, "unspecified": None, "total": 15}
    enough = shown_indicators({**counts, "EECO19": {"total": 5}}, suppressed=True)
    assert enough.indicators["EECO19"] == {"total": 5}
    assert shown_indicators(counts, suppressed=False).indicators["EECO19"] == {"total": 3}
    assert "EECO19" not in esf_counts("entry", {}).counts  # no employers counted: not answered (lotse-1's sums)
    assert "EECO19" not in esf_counts("exit", {SMES_SUPPORTED: {"total": 3}}).counts


def test_a_referrals_case_is_shown_only_to_roles_that_read_cases() -> None:
    event = record_employer_step(registered(), ReferEmployee(date=TODAY, case_id=CASE_OF_KOELN), stamp(2), known_cases)

    assert employer_history_entry(event, shows_cases=True).data == {"case_id": str(CASE_OF_KOELN)}
    assert employer_history_entry(event, shows_cases=False).data == {"case_id": None}
    readers = {role: shows_case_links(Principal(subject="x", role=role, agency="koeln")) for role in ROLES}
    assert readers == {"counsellor": True, "lead": True, "auditor": True, "analyst": False}
