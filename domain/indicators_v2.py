"""ESF+ common indicators (Regulation (EU) 2021/1057, Annex I) — definition 0.2 ("lotse-2"): one person, counted once.

A participant is a person, not a case: the cases of an agency that share a `participant_id` (one client, found by
name and birth date) are one participant. She enters at the first entry of all those cases, with the statistical
profile (gender, age, the codes on entry) of that first case, and leaves at the final exit — not while one of her
cases is open.

- Output indicators EECO01–EECO17 describe her on entry; the age is `age_at_entry` (exact when the birth date is
  known). They are counted on the entry basis only.
- Result indicators EECR01–EECR06 describe the exit cohort (participants whose final exit falls into the period)
  and are counted on the exit basis only:
  - EECR01–EECR04: the situation on leaving of the case that made the final exit — the latest of `case_closed` and
    the `leaving_situation_recorded` after it; EECR04 counts the employed and the self-employed.
  - EECR05/EECR06: the follow-up six months after leaving. Of the exit's follow-ups, those whose `reference_date`
    lies in exit + 6 months ± 4 weeks (domain/deadlines.py's `follow_up_window`, edges included) are in the window;
    the latest recorded of them counts, whether the client was reached or not. EECR05: reached and employed.
    EECR06: reached with an improved situation (an `improvement` of `none` is none), and only for a participant
    employed (or self-employed) on entry.
  - Each participant of the cohort adds to `follow_up_response` one of reached, unreachable, refused, or missing
    (no follow-up in the window); `due` is the cohort.

Beside the participants, the entry basis answers EECO19, small and medium-sized enterprises supported: employers of
size micro, small or medium with an `employer_counselled` step dated in the period, each counted once, as a total
only (enterprises have no gender). Its size is the employer's as the log stands (a firm that grew to `large` no
longer counts, in any period).

Every fact here is a function of the cases' (and employers') states, so the live views and a replay of the raw events
(as of any log position) count alike.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from domain.case import Case, FollowUp
from domain.deadlines import follow_up_window
from domain.employers import Employer
from domain.indicators import OUTPUT_CODES, RESULT_CODES, codes_at_entry
from domain.records import Situation

DEFINITION_VERSION = "esf-plus-2021-1057-annex-i/lotse-2"

ENTRY_CODES = OUTPUT_CODES  # what a `basis=entry` answer holds
EXIT_CODES = RESULT_CODES  # what a `basis=exit` answer holds
EMPLOYED_ON_ENTRY = "EECO05"  # employed incl. self-employed: whom EECR06 is asked of
IMPROVED = "EECR06"

SMES_SUPPORTED = "EECO19"  # a total of enterprises, beside the entry basis' persons
SME_SIZES = ("micro", "small", "medium")

FollowUpResponse = Literal["reached", "unreachable", "refused", "missing"]
FOLLOW_UP_RESPONSES: tuple[FollowUpResponse, ...] = ("reached", "unreachable", "refused", "missing")


def output_codes(case: Case) -> frozenset[str]:
    """The output indicators of the case's statistical profile, with the age at entry the case keeps."""
    return codes_at_entry(case, case.age_at_entry)


def leaving_codes(situation: Situation) -> frozenset[str]:
    """EECR01–EECR04 of a situation on leaving."""
    flags = {
        "EECR01": situation.job_searching,
        "EECR02": situation.in_education_or_training,
        "EECR03": situation.qualification_gained,
        "EECR04": situation.in_employment,  # employed or self-employed
    }
    return frozenset(code for code, counts in flags.items() if counts)


def counted_follow_up(case: Case) -> FollowUp | None:
    """The follow-up that counts for the case's exit: the latest recorded whose reference date lies in the window."""
    if case.exit is None:
        return None
    start, end = follow_up_window(case.exit.closed_on)
    in_window = [follow_up for follow_up in case.follow_ups if start <= follow_up.reference_date <= end]
    return in_window[-1] if in_window else None


def follow_up_codes(follow_up: FollowUp | None) -> frozenset[str]:
    """EECR05 and EECR06 of the counted follow-up; EECR06 before asking whether the participant was employed on
    entry (`participant_facts` asks)."""
    if follow_up is None or follow_up.outcome != "reached":
        return frozenset()
    improved = bool(follow_up.improved_situation) and follow_up.improvement != "none"
    flags = {"EECR05": bool(follow_up.employed), IMPROVED: improved}
    return frozenset(code for code, counts in flags.items() if counts)


@dataclass(frozen=True)
class CaseFacts:
    """What one case adds to its participant: its entry with its profile's codes, and its exit with its results.

    `exit_codes` holds EECR06 whenever the case's follow-up shows an improvement; whether it counts depends on the
    participant's first case. `created_on` orders cases that entered on the same day.
    """

    case_id: str
    agency: str
    participant: str
    entry_on: date
    created_on: datetime
    gender: str
    entry_codes: frozenset[str]
    exit_on: date | None = None
    exit_codes: frozenset[str] = frozenset()
    follow_up: FollowUpResponse | None = None  # None while the case is open


def case_facts(case: Case) -> CaseFacts:
    exit_on, exit_codes, response = None, frozenset[str](), None
    if case.exit is not None:
        exit_on = case.exit.closed_on
        situation = case.leaving_situation or case.exit.situation
        counted = counted_follow_up(case)
        exit_codes = leaving_codes(situation) | follow_up_codes(counted)
        response = "missing" if counted is None else counted.outcome
    return CaseFacts(
        case_id=str(case.id),
        agency=case.agency,
        participant=str(case.participant_id),
        entry_on=case.opened_on,
        created_on=case.created_on,
        gender=case.profile.gender,
        entry_codes=output_codes(case),
        exit_on=exit_on,
        exit_codes=exit_codes,
        follow_up=response,
    )


@dataclass(frozen=True)
class ParticipantFacts:
    """A person as the funder counts her: entry, profile and codes of her first case; the final exit, if all of her
    cases are closed, with the results of the case that made it."""

    agency: str
    participant: str
    gender: str
    entry_on: date
    entry_codes: frozenset[str]
    exit_on: date | None = None
    exit_codes: frozenset[str] = frozenset()
    follow_up: FollowUpResponse | None = None  # None: no exit (yet)


def first_case(cases: Iterable[CaseFacts]) -> CaseFacts:
    """The case the participant entered with: the earliest entry (the earlier recorded on the same day)."""
    return min(cases, key=lambda case: (case.entry_on, case.created_on, case.case_id))


def participant_facts(cases: Iterable[CaseFacts]) -> ParticipantFacts:
    """One participant from all of her cases (of one agency and participant id; at least one)."""
    cases = list(cases)
    # Most participants have one case: that is her first and, closed, her final one (a replay counts millions).
    first = cases[0] if len(cases) == 1 else first_case(cases)
    # The final exit, once all of her cases are closed: the latest; of exits on one day, that of the case entered last.
    final = None
    if all(case.exit_on is not None for case in cases):
        final = first if len(cases) == 1 else max(cases, key=_exit_order)
    exit_codes = frozenset[str]() if final is None else final.exit_codes
    if final is not None and EMPLOYED_ON_ENTRY not in first.entry_codes:
        exit_codes -= {IMPROVED}
    return ParticipantFacts(
        agency=first.agency,
        participant=first.participant,
        gender=first.gender,
        entry_on=first.entry_on,
        entry_codes=first.entry_codes,
        exit_on=None if final is None else final.exit_on,
        exit_codes=exit_codes,
        follow_up=None if final is None else final.follow_up,
    )


def _exit_order(case: CaseFacts) -> tuple[date, date, datetime, str]:
    return case.exit_on or date.min, case.entry_on, case.created_on, case.case_id


def participant_key(case: CaseFacts) -> tuple[str, str]:
    """Cases are one participant when they share agency and participant id."""
    return case.agency, case.participant


def participants(cases: Iterable[Case]) -> list[ParticipantFacts]:
    """The participants the cases make up."""
    return participants_of_facts(case_facts(case) for case in cases)


def participants_of_facts(cases: Iterable[CaseFacts]) -> list[ParticipantFacts]:
    """The participants the cases make up, from each case's facts."""
    grouped: dict[tuple[str, str], list[CaseFacts]] = defaultdict(list)
    for facts in cases:
        grouped[participant_key(facts)].append(facts)
    return [participant_facts(group) for group in grouped.values()]


def sme_support_days(employer: Employer) -> tuple[date, ...]:
    """The days an employer counts as a small or medium-sized enterprise supported: the days it was counselled, if its
    size is micro, small or medium; none for a large one."""
    return employer.counselled_on if employer.size in SME_SIZES else ()


def smes_supported(employers: Iterable[Employer], start: date, end: date) -> int:
    """EECO19 for the period: the employers with a day of support in it (edges included), each once."""
    return sum(any(start <= day <= end for day in sme_support_days(employer)) for employer in employers)
