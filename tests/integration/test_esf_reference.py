"""The ESF+ figures of the current definition against an independent, deliberately simple reference computation, over
a generated desk, on both backends: live (the views, caught up) and as of earlier log positions (the replay).

The desk is generated here, not by application/synthetic.py: its clients come back (one to three cases per person,
at times overlapping), their situation on leaving is learnt weeks after the exit, and their follow-ups land inside,
on the edges of and outside the six-month window, reached, unreachable or refused; some cases are reopened and closed
again, profiles corrected, consent withdrawn. The steps of all cases are recorded in the order of their dates, so one
person's cases move each other's figures while the views follow.

Beside the clients, the desk counsels employers (EECO19, small and medium-sized enterprises supported): some are
counselled once, some on several days (one day twice), some only contacted, some grow to `large` or shrink from it;
their steps are recorded in date order among the cases' steps.

The reference reads nothing but the cases' states and the employers' events, with plain loops, and its own calendar
arithmetic: it shares no code with application/statistics.py or domain/indicators*.py.
"""

import calendar
import functools
import gc
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from application import exports, reports  # noqa: F401  (the extracts they mark `leaves_unread`)
from application import reporting as reporting_module
from application.cases import CaseService
from application.ports import Principal
from application.replay import marked_unread
from application.reporting import HOLD_ALL_UP_TO, EsfFigures, Reporting
from application.statistics import COLUMNS, CURRENT_DEFINITION, DEFINITION_0_1
from domain import decisions, steps
from domain.case import Case
from domain.employers import (
    EMPLOYERS,
    ChangeEmployer,
    ContactEmployer,
    CounselEmployer,
    Employer,
    EmployerChanged,
    EmployerCounselled,
    EmployerRegistered,
    EmployerStepCommand,
    ReferEmployee,
    RegisterEmployer,
)
from domain.errors import DomainError
from domain.events import CounsellingSessionHeld
from domain.evolution import evolve
from domain.registers import RegisterEvent
from domain.steps import StepCommand
from infrastructure.bootstrap import Lotse
from infrastructure.eventstore.environment import event_store_env
from infrastructure.eventstore.sql import Database
from infrastructure.projections.runner import ProjectionRunner
from infrastructure.projections.statistics_views import ESF_PARTICIPANTS, RETIRED_ESF_TABLES, VIEW_TABLES
from infrastructure.replay_processes import ReplayProcesses
from infrastructure.settings import Settings
from tests.integration.conftest import LotseFactory

PERSONS = 130  # about 210 cases and 750 events
EMPLOYER_COUNT = 45  # about 130 events
TODAY = date(2026, 6, 1)  # the day of the tests' clock
GENDERS = ("female", "male", "diverse", "unspecified")
PERIODS = [
    (date(2020, 1, 1), date(2030, 12, 31)),
    (date(2024, 1, 1), date(2024, 12, 31)),
    (date(2025, 1, 1), date(2025, 12, 31)),
    (date(2025, 4, 1), date(2025, 6, 30)),
    (date(2026, 1, 1), date(2026, 1, 31)),
]
AS_OF_PERIODS = PERIODS[:3]
SCOPES = [None, "koeln", "bonn"]
STAFF = [("koeln", "ayse"), ("koeln", "ben"), ("bonn", "carla")]
ENTRY_CODES = [f"EECO{n:02d}" for n in range(1, 18)]
SIZES = ("micro", "small", "medium", "large")
EXIT_CODES = [f"EECR{n:02d}" for n in range(1, 7)]


# The desk


@dataclass
class PlannedCase:
    case_id: UUID
    agency: str
    counsellor: str
    participant: UUID
    opening: steps.OpenCase
    steps: list[StepCommand] = field(default_factory=list)


def plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window(exit_on: date) -> tuple[date, date]:
    """Six months after the exit, four weeks either side, edges included."""
    middle = plus_months(exit_on, 6)
    return middle - timedelta(days=28), middle + timedelta(days=28)


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def leaving_situation(rng: random.Random) -> steps.Situation:
    status = rng.choices(["job_searching", "employed", "self_employed", "none"], [40, 35, 5, 20])[0]
    return steps.Situation(
        job_searching=status == "job_searching",
        in_education_or_training=rng.random() < 0.2,
        qualification_gained=rng.random() < 0.4,
        employed=status == "employed",
        self_employed=status == "self_employed",
    )


def follow_up(rng: random.Random, exit_on: date) -> steps.FollowUpRecorded | None:
    start, end = window(exit_on)
    where = rng.choices(["inside", "first", "last", "before", "after", "early"], [50, 8, 8, 8, 10, 16])[0]
    reference = {
        "inside": random_day(rng, start, end),
        "first": start,
        "last": end,
        "before": start - timedelta(days=1),
        "after": end + timedelta(days=rng.randint(1, 60)),
        "early": exit_on + timedelta(days=rng.randint(0, 10)),  # a call a few days after the exit
    }[where]
    recorded = reference + timedelta(days=rng.choice([0, 0, 3, 15]))
    if recorded > TODAY:
        return None
    outcome = rng.choices(["reached", "unreachable", "refused"], [70, 20, 10])[0]
    if outcome != "reached":
        return steps.FollowUpRecorded(date=recorded, reference_date=reference, outcome=outcome)
    if rng.random() < 0.5:
        improvement = rng.choice(
            ["precarious_to_stable", "underemployed_to_full", "higher_skilled", "more_responsibility", "none"]
        )
        return steps.FollowUpRecorded(
            date=recorded, reference_date=reference, employed=rng.random() < 0.6, improvement=improvement
        )
    return steps.FollowUpRecorded(
        date=recorded, reference_date=reference, employed=rng.random() < 0.6, improved_situation=rng.random() < 0.5
    )


def after_exit(rng: random.Random, exit_on: date) -> list[StepCommand]:
    """What may follow an exit, in the order of its dates: the situation learnt later, follow-ups."""
    later: list[StepCommand] = []
    if rng.random() < 0.35 and (learnt := exit_on + timedelta(days=rng.randint(0, 28))) <= TODAY:
        later.append(steps.LeavingSituationRecorded(date=learnt, situation=leaving_situation(rng)))
    for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
        if (made := follow_up(rng, exit_on)) is not None:
            later.append(made)
    return sorted(later, key=lambda step: step.date)


def journey(rng: random.Random, opened: date, consent: bool) -> list[StepCommand]:
    """The case's steps in the order of their dates, up to today."""
    return [step for step in steps_of(rng, opened, consent) if step.date <= TODAY]


def steps_of(rng: random.Random, opened: date, consent: bool) -> list[StepCommand]:
    out: list[StepCommand] = []
    day = opened
    if rng.random() < 0.15:
        day += timedelta(days=rng.randint(0, 20))
        changes = rng.choice(
            [
                steps.ProfileChanges(labour_status=rng.choice(["employed", "unemployed", "inactive"])),
                steps.ProfileChanges(gender=rng.choice(GENDERS)),
                steps.ProfileChanges(isced=rng.randint(0, 8)),
            ]
        )
        out.append(steps.ProfileCorrected(date=day, profile=changes))
    if consent and rng.random() < 0.3:
        day += timedelta(days=rng.randint(0, 30))
        out.append(steps.ConsentChanged(date=day, special_categories=False))
    if rng.random() < 0.5:
        day += timedelta(days=rng.randint(1, 60))
        out.append(steps.CounsellingSessionHeld(date=day, minutes=45, topics=("recognition",)))
    if rng.random() < 0.2:
        return out  # still open, long after
    exit_on = day + timedelta(days=rng.randint(10, 400))
    if exit_on > TODAY:
        return out
    reason = rng.choice(["qualification_obtained", "employment", "dropped_out", "moved_away", "other"])
    out.append(steps.CaseClosed(date=exit_on, reason=reason, situation=leaving_situation(rng)))
    out += after_exit(rng, exit_on)
    if rng.random() < 0.12:
        reopened = max(step.date for step in out) + timedelta(days=rng.randint(1, 40))
        again = reopened + timedelta(days=rng.randint(10, 120))
        if again <= TODAY:
            out.append(steps.CaseReopened(date=reopened, reason="client returned"))
            out.append(steps.CaseClosed(date=again, reason="other", situation=leaving_situation(rng)))
            out += after_exit(rng, again)
    return out


def desk(persons: int, seed: int) -> list[PlannedCase]:
    rng = random.Random(seed)
    planned: list[PlannedCase] = []
    for _ in range(persons):
        agency, counsellor = rng.choice(STAFF)
        exact = rng.random() < 0.7
        birth_date = random_day(rng, date(1960, 1, 1), date(2007, 12, 31))
        consent = rng.random() < 0.4
        base = steps.Profile(
            birth_year=None if exact else birth_date.year,
            birth_date=birth_date if exact else None,
            gender=rng.choices(GENDERS, [50, 44, 3, 3])[0],
            labour_status=rng.choices(
                ["employed", "self_employed", "unemployed", "long_term_unemployed", "inactive"], [30, 5, 35, 18, 12]
            )[0],
            isced=rng.randint(0, 8),
            foreign_background=rng.random() < 0.8,
            third_country_national=rng.random() < 0.5,
            disability=rng.choice(["yes", "no"]) if consent else "unknown",
            minority=rng.choice(["yes", "no", "unknown"]) if consent else "unknown",
            homeless=rng.random() < 0.05,
            rural=rng.random() < 0.2,
        )
        participant = uuid4()
        opened = random_day(rng, date(2023, 6, 1), date(2025, 12, 31))
        for number in range(rng.choices([1, 2, 3], [60, 30, 10])[0]):
            if number:
                # She comes back: a new case some time after the last began, the earlier perhaps still open.
                opened += timedelta(days=rng.randint(5, 300))
                if opened > TODAY:
                    break
            profile = base
            if number and rng.random() < 0.5:  # a later case records her as she is then
                profile = steps.Profile(
                    **{
                        **{name: getattr(base, name) for name in base.__struct_fields__},
                        "labour_status": rng.choice(["employed", "unemployed", "inactive"]),
                        "isced": rng.randint(0, 8),
                    }
                )
            case_id = participant if number == 0 else uuid4()
            opening = steps.OpenCase(
                first_contact_on=opened,
                channel="walk_in",
                referral_source="self",
                profile=profile,
                consent=steps.Consent(special_categories=consent),
            )
            planned.append(
                PlannedCase(case_id, agency, counsellor, participant, opening, journey(rng, opened, consent))
            )
    return planned


@dataclass
class PlannedEmployer:
    agency: str
    counsellor: str
    registration: RegisterEmployer
    first_day: date
    steps: list[EmployerStepCommand] = field(default_factory=list)
    employer_id: UUID | None = None


def employers_of_desk(count: int, seed: int) -> list[PlannedEmployer]:
    """Firms the desk deals with: counselled (some on several days, one day twice), contacted, employees referred,
    their size changed now and then, every step up to today."""
    rng = random.Random(seed)
    planned: list[PlannedEmployer] = []
    for number in range(count):
        agency, counsellor = rng.choice(STAFF)
        size = rng.choices(SIZES, [30, 30, 25, 15])[0]
        registration = RegisterEmployer(
            name=f"Firma {number}", size=size, sector="Handwerk", postal_code=f"{50000 + number:05d}"
        )
        employer = PlannedEmployer(agency, counsellor, registration, random_day(rng, date(2023, 6, 1), TODAY))
        day = employer.first_day
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
            day += timedelta(days=rng.choice([0, 0, 3, 40, 120, 300]))
            if day > TODAY:
                break
            kind = rng.choices(["counselled", "contacted", "referred", "changed"], [50, 25, 10, 15])[0]
            if kind == "counselled":
                employer.steps.append(CounselEmployer(date=day, minutes=60, employees_interested=rng.randint(0, 4)))
            elif kind == "contacted":
                employer.steps.append(ContactEmployer(date=day, channel=rng.choice(["letter", "phone", "visit"])))
            elif kind == "referred":
                employer.steps.append(ReferEmployee(date=day))
            else:
                size = rng.choice([other for other in SIZES if other != size])
                employer.steps.append(ChangeEmployer(date=day, size=size))
        planned.append(employer)
    return planned


@dataclass
class Checkpoint:
    """The log position, every case's state and every employer's events there, and what the live views answered
    there."""

    position: int
    cases: list[Case]
    employers: list[list[RegisterEvent]]
    live: dict[tuple[Any, ...], EsfFigures]


Work = steps.OpenCase | StepCommand | RegisterEmployer | EmployerStepCommand


def record_desk(
    system: Lotse,
    planned: list[PlannedCase],
    checkpoints_at: tuple[float, ...],
    employers: list[PlannedEmployer] | None = None,
) -> list[Checkpoint]:
    """Records every case's opening and steps, and every employer's registration and steps, in the order of their
    dates; at the given shares of the work brings the views to the log's head and notes what they answer."""
    service = system.cases
    work: list[tuple[date, int, int, PlannedCase | PlannedEmployer, Work]] = []
    for index, case in enumerate(planned):
        work.append((case.opening.first_contact_on, index, -1, case, case.opening))
        work += [(step.date, index, order, case, step) for order, step in enumerate(case.steps)]
    for index, employer in enumerate(employers or [], start=len(planned)):
        work.append((employer.first_day, index, -1, employer, employer.registration))
        work += [(step.date, index, order, employer, step) for order, step in enumerate(employer.steps)]
    work.sort(key=lambda item: item[:3])
    marks = {int(len(work) * share) for share in checkpoints_at}
    taken: list[Checkpoint] = []
    refused: list[str] = []
    opened: list[UUID] = []
    registered: list[UUID] = []
    for done, (_, _, _, planned_for, command) in enumerate(work):
        if done in marks:
            taken.append(checkpoint(system, opened, registered))
        try:
            if isinstance(planned_for, PlannedEmployer):
                record_for_employer(system, planned_for, command)
                if isinstance(command, RegisterEmployer):
                    assert planned_for.employer_id is not None
                    registered.append(planned_for.employer_id)
            elif isinstance(command, steps.OpenCase):
                open_as_participant(service, planned_for, command)
                opened.append(planned_for.case_id)
            else:
                assert isinstance(command, StepCommand)
                service.record_step(planned_for.case_id, command, planned_for.counsellor, agency=planned_for.agency)
        except DomainError as error:  # the generators are meant to make only steps the domain accepts
            refused.append(f"{command}: {error}")
    assert refused == [], refused[:5]
    return taken


def record_for_employer(system: Lotse, employer: PlannedEmployer, command: Work) -> None:
    """Records as the employer's counsellor does, through the desk's use cases."""
    counsellor = Principal(subject=employer.counsellor, role="counsellor", agency=employer.agency)
    if isinstance(command, RegisterEmployer):
        employer.employer_id = system.desk.register_employer(counsellor, command).employer.id
        return
    assert employer.employer_id is not None
    assert isinstance(command, ContactEmployer | CounselEmployer | ReferEmployee | ChangeEmployer)
    system.desk.record_employer_step(counsellor, employer.employer_id, command)


def open_as_participant(service: CaseService, case: PlannedCase, command: steps.OpenCase) -> None:
    """Opens the case as a case of `case.participant`. The application will find that participant by the client's
    name and birth date (issue 14's name index); until `open_case` does, the test gives it to the domain directly,
    and records the event through the service as `open_case` does."""
    event = decisions.open_case(
        case.case_id, case.agency, command, service._context(case.counsellor), participant_id=case.participant
    )
    service._save(evolve(None, event), event)


def checkpoint(system: Lotse, case_ids: list[UUID], employer_ids: list[UUID]) -> Checkpoint:
    runner, reporting = system.projections.runner, system.projections.reporting
    runner.catch_up()
    position = runner.head()
    cases = [system.cases.get_case(case_id, personal_data=False) for case_id in case_ids]
    employers = [system.registers.events_of(EMPLOYERS, employer_id, agency="*") for employer_id in employer_ids]
    live = {key: reporting.esf(*key) for key in queries(PERIODS)}
    assert all(figures.position == position for figures in live.values())
    return Checkpoint(position, cases, employers, live)


def queries(periods: list[tuple[date, date]]) -> Iterator[tuple[Any, ...]]:
    for start, end in periods:
        for basis in ("entry", "exit"):
            for agency in SCOPES:
                yield agency, start, end, basis


# The reference


@dataclass
class Reference:
    indicators: dict[str, dict[str, int]]
    follow_up_response: dict[str, int] | None


def reference(
    cases: list[Case], employers: list[list[RegisterEvent]], agency: str | None, start: date, end: date, basis: str
) -> Reference:
    """The figures as API.md's "(0.2) definitions" describe them, counted with plain loops."""
    persons: dict[tuple[str, UUID], list[Case]] = defaultdict(list)
    for case in cases:
        if agency is None or case.agency == agency:
            persons[(case.agency, case.participant_id)].append(case)
    counts: dict[str, Counter[str]] = {code: Counter() for code in (ENTRY_CODES if basis == "entry" else EXIT_CODES)}
    response: Counter[str] = Counter()
    for person in persons.values():
        first = sorted(person, key=lambda case: (case.opened_on, case.created_on, str(case.id)))[0]
        gender = first.profile.gender
        employed_on_entry = first.profile.labour_status in ("employed", "self_employed")
        if basis == "entry":
            if start <= first.opened_on <= end:
                for code in codes_on_entry(first):
                    counts[code][gender] += 1
            continue
        if any(case.exit is None for case in person):
            continue  # not left while one of her cases is open
        last = sorted(person, key=lambda c: (c.closed_on, c.opened_on, c.created_on, str(c.id)))[-1]
        assert last.exit is not None
        assert last.leaving_situation is not None
        if not start <= last.exit.closed_on <= end:
            continue
        response["due"] += 1
        situation = last.leaving_situation
        results = []
        if situation.job_searching:
            results.append("EECR01")
        if situation.in_education_or_training:
            results.append("EECR02")
        if situation.qualification_gained:
            results.append("EECR03")
        if situation.employed or situation.self_employed:
            results.append("EECR04")
        first_day, last_day = window(last.exit.closed_on)
        counted = None
        for made in last.follow_ups:  # in the order recorded: the latest in the window wins
            if first_day <= made.reference_date <= last_day:
                counted = made
        if counted is None:
            response["missing"] += 1
        else:
            response[counted.outcome] += 1
            if counted.outcome == "reached" and counted.employed:
                results.append("EECR05")
            improved = counted.improved_situation and counted.improvement != "none"
            if counted.outcome == "reached" and improved and employed_on_entry:
                results.append("EECR06")
        for code in results:
            counts[code][gender] += 1
    indicators = {
        code: {**{g: counts[code][g] for g in GENDERS}, "total": sum(counts[code].values())} for code in counts
    }
    if basis == "entry":
        indicators["EECO19"] = {"total": smes_supported(employers, agency, start, end)}
        return Reference(indicators, None)
    names = ("due", "reached", "unreachable", "refused", "missing")
    return Reference(indicators, {name: response[name] for name in names})


def smes_supported(employers: list[list[RegisterEvent]], agency: str | None, start: date, end: date) -> int:
    """EECO19: employers of the scope whose size (as their latest change left it) is micro, small or medium and that
    were counselled on a day of the period; each counts once."""
    supported = 0
    for events in employers:
        registration = events[0]
        assert isinstance(registration, EmployerRegistered)
        if agency is not None and registration.agency != agency:
            continue
        size = registration.size
        counselled_in_period = False
        for event in events[1:]:
            if isinstance(event, EmployerChanged) and event.size is not None:
                size = event.size
            if isinstance(event, EmployerCounselled) and start <= event.date <= end:
                counselled_in_period = True
        if counselled_in_period and size in ("micro", "small", "medium"):
            supported += 1
    return supported


def codes_on_entry(case: Case) -> list[str]:
    p, age, consent = case.profile, case.age_at_entry, case.special_categories_consent
    wanted = {
        "EECO01": True,
        "EECO02": p.labour_status in ("unemployed", "long_term_unemployed"),
        "EECO03": p.labour_status == "long_term_unemployed",
        "EECO04": p.labour_status == "inactive",
        "EECO05": p.labour_status in ("employed", "self_employed"),
        "EECO06": age < 18,
        "EECO07": 18 <= age < 30,
        "EECO08": age >= 55,
        "EECO09": p.isced in (0, 1, 2),
        "EECO10": p.isced in (3, 4),
        "EECO11": p.isced >= 5,
        "EECO12": consent and p.disability == "yes",
        "EECO13": p.third_country_national,
        "EECO14": p.foreign_background,
        "EECO15": consent and p.minority == "yes",
        "EECO16": p.homeless,
        "EECO17": p.rural,
    }
    return [code for code, counts in wanted.items() if counts]


def assert_equal(figures: EsfFigures, expected: Reference, what: str) -> None:
    assert figures.definition_version == CURRENT_DEFINITION
    assert list(figures.counts) == list(expected.indicators), what
    for code, row in figures.counts.items():
        wanted = expected.indicators[code]
        assert row == wanted, (what, code)
        assert set(row) == ({"total"} if code == "EECO19" else set(COLUMNS)), (what, code)
    assert figures.follow_up_response == expected.follow_up_response, what


def view_tables(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: sorted(database.fetchall(f"SELECT * FROM {database.table(table)}"), key=repr) for table in VIEW_TABLES
    }


def test_the_figures_equal_an_independent_reference_live_and_as_of(
    make_lotse: LotseFactory, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reporting_module, "REPLAY_BATCH", 97)  # a read's batches end inside aggregates
    system = make_lotse()
    runner: ProjectionRunner = system.projections.runner
    runner.batch_size = 61  # one person's cases fall into different batches
    reporting: Reporting = system.projections.reporting
    planned = desk(PERSONS, seed=14)
    employers = employers_of_desk(EMPLOYER_COUNT, seed=14)
    started = time.perf_counter()

    checkpoints = record_desk(system, planned, checkpoints_at=(0.35, 0.7), employers=employers)
    final = checkpoint(system, [case.case_id for case in planned], [e.employer_id for e in employers if e.employer_id])
    recorded = time.perf_counter()

    cases = final.cases
    assert len({case.participant_id for case in cases}) < len(cases)  # persons with several cases
    assert sum(case.exit is not None for case in cases) > len(cases) / 2
    assert any(len(case.follow_ups) > 1 for case in cases)
    for point in [*checkpoints, final]:
        for key, live in point.live.items():
            assert_equal(live, reference(point.cases, point.employers, *key), f"live at {point.position}: {key}")
    whole = final.live[(None, *PERIODS[0], "exit")].follow_up_response
    assert whole is not None
    assert all(whole[name] > 0 for name in ("reached", "unreachable", "refused", "missing")), whole
    smes = final.live[(None, *PERIODS[0], "entry")].counts["EECO19"]["total"]
    assert 0 < smes < EMPLOYER_COUNT, smes  # some firms counted, the large and the uncounselled not
    compared = time.perf_counter()

    in_processes = ReplayProcesses(event_store_env(settings), 3)
    ways = (
        (HOLD_ALL_UP_TO, None, [*checkpoints, final], "in the log's order"),
        (0, None, [*checkpoints, final], "aggregate by aggregate"),
        (0, in_processes, [final], "in three processes"),  # each replay starts two: at the final point only
    )
    for hold_all_up_to, processes, points, way in ways:
        reporting.hold_all_up_to, reporting.processes = hold_all_up_to, processes
        for point in points:
            for key in queries(AS_OF_PERIODS):
                replayed = reporting.esf(*key, as_of_position=point.position)
                assert replayed == point.live[key], f"as of {point.position}, replayed {way}: {key}"
    replayed_at = time.perf_counter()

    before = view_tables(runner.database)
    runner.reset(["esf"])
    runner.catch_up()
    assert view_tables(runner.database) == before
    rebuilt = time.perf_counter()
    live_answers = sum(len(point.live) for point in [*checkpoints, final])
    replays = sum(len(points) for _, _, points, _ in ways) * len(list(queries(AS_OF_PERIODS)))
    print(
        f"\n[{system.backend}] {len(cases)} cases, {runner.head()} events:"
        f" recorded with {len(checkpoints) + 1} catch-ups in {recorded - started:.1f} s,"
        f" {live_answers} live answers checked in {compared - recorded:.1f} s,"
        f" {replays} as-of replays in {replayed_at - compared:.1f} s, esf view rebuilt in {rebuilt - replayed_at:.1f} s"
    )


def test_a_replay_aggregate_by_aggregate_gives_the_states_a_replay_in_the_log_s_order_gives(
    make_lotse: LotseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reporting_module, "REPLAY_BATCH", 7)
    system = make_lotse()
    reporting: Reporting = system.projections.reporting
    planned, employers = desk(30, seed=3), employers_of_desk(12, seed=3)
    record_desk(system, planned, checkpoints_at=(), employers=employers)
    head = system.projections.runner.head()
    kinds = set()
    for position in (1, 2, head // 3, head // 2 + 1, head - 1, head):
        for agency in (None, STAFF[0][0]):
            reporting.hold_all_up_to = head
            in_log_order = sorted(reporting.replay_log(position, agency), key=lambda state: str(state.id))
            reporting.hold_all_up_to = 0
            by_aggregate = sorted(reporting.replay_log(position, agency), key=lambda state: str(state.id))
            assert by_aggregate == in_log_order, (position, agency)
            assert all(agency is None or state.agency == agency for state in by_aggregate)
            kinds |= {type(state) for state in by_aggregate}
    assert kinds == {Case, Employer}
    everything = list(reporting.replay_log(head, None))
    assert {state.id for state in everything if isinstance(state, Case)} == {case.case_id for case in planned}
    assert {state.id for state in everything if isinstance(state, Employer)} == {e.employer_id for e in employers}


def test_a_replay_that_leaves_the_sessions_unread_finds_every_fact_a_replay_of_every_event_finds(
    make_lotse: LotseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reporting_module, "REPLAY_BATCH", 7)  # a read's batches end inside aggregates
    system = make_lotse()
    reporting: Reporting = system.projections.reporting
    record_desk(system, desk(30, seed=5), checkpoints_at=(), employers=employers_of_desk(8, seed=5))
    head = system.projections.runner.head()
    for position in (head // 2 + 1, head):
        for hold_all_up_to in (head, 0):  # in the log's order, aggregate by aggregate
            reporting.hold_all_up_to = hold_all_up_to
            every = sorted(reporting.replay_log(position, None), key=lambda state: str(state.id))
            unread = sorted(
                reporting.replay_log(position, None, {CounsellingSessionHeld}), key=lambda state: str(state.id)
            )
            assert [state.id for state in unread] == [state.id for state in every]
            assert any(state.sessions for state in every if isinstance(state, Case))
            assert all(state.sessions == () for state in unread if isinstance(state, Case))
            for extract in marked_unread():
                assert [extract(state) for state in unread] == [extract(state) for state in every], extract.__name__


def noting_reads(event_log: Any, monkeypatch: pytest.MonkeyPatch, note: Callable[[str, list[Any]], None]) -> None:
    """Tells `note` of every read of the whole log a replay makes: the reading's name and the events it answered."""

    def noting(name: str) -> Callable[..., list[Any]]:
        reading = getattr(event_log, name)

        def noted(*args: Any) -> list[Any]:
            answered = list(reading(*args))
            note(name, [each[1] if isinstance(each, tuple) else each for each in answered])
            return answered

        return noted

    for name in ("events_between", "events_by_aggregate"):
        monkeypatch.setattr(event_log, name, noting(name))


class InThisProcess:
    """Replay processes that replay every part in this process, through its reading of the log."""

    def __init__(self, event_log: Any) -> None:
        self.event_log = event_log

    @contextmanager
    def parts(self) -> Iterator[int]:
        yield 3

    @contextmanager
    def replaying(self, task: Any, parts: Any) -> Iterator[Iterator[Any]]:
        yield iter([task(self.event_log, part) for part in parts])


def test_the_as_of_figures_are_replayed_without_reading_a_session_and_the_activity_with_them(
    make_lotse: LotseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = make_lotse()
    record_desk(system, desk(12, seed=6), checkpoints_at=())
    reporting: Reporting = system.projections.reporting
    head = system.projections.runner.head()
    event_log = system.cases.ports.event_log
    read: list[type] = []
    noting_reads(event_log, monkeypatch, lambda _, events: read.extend(map(type, events)))

    def replayed(extract: Any) -> list[Any]:
        return list(reporting.replay_extracted(head, None, extract))

    start, end = PERIODS[0]
    answers = {
        "esf": lambda: reporting.esf(None, start, end, "entry", as_of_position=head),
        "esf under 0.1's definition": lambda: reporting.esf(
            None, start, end, "entry", as_of_position=head, definition_version=DEFINITION_0_1
        ),
        "funnel": lambda: reporting.funnel(None, as_of_position=head),
        **{extract.__name__: functools.partial(replayed, extract) for extract in marked_unread()},
    }
    ways = ((head, None, "in the log's order"), (0, None, "by aggregate"), (0, InThisProcess(event_log), "in parts"))
    for hold_all_up_to, processes, way in ways:
        reporting.hold_all_up_to, reporting.processes = hold_all_up_to, processes
        for what, answer in answers.items():
            read.clear()
            answer()
            assert read, (what, way)
            assert CounsellingSessionHeld not in read, (what, way)
        read.clear()
        reporting.activity(None, start, end, as_of_position=head)
        assert CounsellingSessionHeld in read, way


def test_a_replay_pauses_the_garbage_collector_while_it_reads_and_not_while_its_caller_holds_a_state(
    make_lotse: LotseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = make_lotse()
    record_desk(system, desk(6, seed=4), checkpoints_at=())
    reporting: Reporting = system.projections.reporting
    head = system.projections.runner.head()
    event_log = system.cases.ports.event_log
    collector_on_read: list[tuple[str, bool]] = []
    noting_reads(event_log, monkeypatch, lambda name, _: collector_on_read.append((name, gc.isenabled())))
    assert gc.isenabled()
    for hold_all_up_to in (head, 0):  # in the log's order, aggregate by aggregate
        reporting.hold_all_up_to = hold_all_up_to
        held = reporting.replay_log(head, None)
        assert next(held) is not None
        assert gc.isenabled(), hold_all_up_to  # a caller that stops here (say, on an error) keeps `held` alive
        assert len([next(held), *held]) > 1
        assert gc.isenabled()
    # Both orders read, each with the collector paused.
    assert {name for name, _ in collector_on_read} == {"events_between", "events_by_aggregate"}
    assert not any(enabled for _, enabled in collector_on_read)


def test_a_0_1_installation_s_esf_tables_are_replaced_by_a_rebuild(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    runner = system.projections.runner
    record_desk(system, desk(25, seed=3), checkpoints_at=(), employers=employers_of_desk(10, seed=3))
    runner.catch_up()
    before, head = view_tables(runner.database), runner.head()
    database = runner.database
    with database.transaction(commit=True) as cursor:  # the esf view as release 0.1 left it
        cursor.execute(f"DROP TABLE {database.table(ESF_PARTICIPANTS)}")
        for table in RETIRED_ESF_TABLES:
            cursor.execute(f"CREATE TABLE {database.table(table)} (case_id TEXT PRIMARY KEY, junk TEXT)")

    runner.create_tables()  # what every start does

    with database.transaction(commit=False) as cursor:
        assert not any(database.has_table(cursor, table) for table in RETIRED_ESF_TABLES)
    assert runner.positions() == {**dict.fromkeys(runner.views, head), "esf": 0}  # every other view stays
    runner.catch_up()
    assert view_tables(runner.database) == before


@pytest.mark.parametrize("seed", [5])
def test_the_desk_generator_makes_what_the_reference_is_for(seed: int) -> None:
    """A check of the generator itself (no database): several cases per person, later situations, follow-ups of
    every kind."""
    planned = desk(PERSONS, seed)
    kinds = Counter(type(step).__name__ for case in planned for step in case.steps)
    assert len({case.participant for case in planned}) < len(planned) * 0.8
    assert kinds["LeavingSituationRecorded"] > 10
    assert kinds["CaseReopened"] > 3
    assert kinds["FollowUpRecorded"] > 100
    outcomes = Counter(
        step.outcome for case in planned for step in case.steps if isinstance(step, steps.FollowUpRecorded)
    )
    assert set(outcomes) == {"reached", "unreachable", "refused"}
    employers = employers_of_desk(EMPLOYER_COUNT, seed)
    employer_steps = Counter(type(step).__name__ for employer in employers for step in employer.steps)
    assert {"CounselEmployer", "ContactEmployer", "ReferEmployee", "ChangeEmployer"} <= set(employer_steps)
    assert {employer.registration.size for employer in employers} == set(SIZES)
    counselled_days = [
        [step.date for step in employer.steps if isinstance(step, CounselEmployer)] for employer in employers
    ]
    assert any(len(days) > len(set(days)) for days in counselled_days)  # counselled twice on one day
    assert any(len(set(days)) > 1 for days in counselled_days)  # on several days
