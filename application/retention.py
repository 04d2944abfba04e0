"""Retention: once the funder's retention period has run out, the client's personal data are erased.

The funder keeps the files for a number of years (ESF+: 5) from the end of the year of the last payment. Lotse does
not know the payments; a case's final exit stands in for them (no payment follows it), so a case closed in year Y is
kept until the end of year Y + years and erased from 1 January of Y + years + 1 on. An operator who knows later
payments passes an earlier `closed_before` day.
"""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.cases import CaseService
from application.ports import ALL_AGENCIES, RetentionCandidates

RETENTION_SUBJECT = "lotse-retention"  # who the erasure events name as having recorded them


@dataclass(frozen=True)
class RetentionOutcome:
    """One case the retention period has run out for; `erased` is false in a dry run."""

    case_id: UUID
    agency: str
    closed_on: date
    erased: bool
    version: int


def retention_cutoff(today: date, years: int) -> date:
    """The first exit day still kept on `today`: exits before it are past `years` after the end of their year."""
    return date(today.year - years, 1, 1)


class Retention:
    def __init__(self, cases: CaseService, candidates: RetentionCandidates) -> None:
        self.cases = cases
        self.candidates = candidates

    def apply(
        self, closed_before: date, *, dry_run: bool, recorded_by: str = RETENTION_SUBJECT
    ) -> list[RetentionOutcome]:
        """Erases the personal data of every case closed before `closed_before` (only lists them in a dry run).

        Each candidate is checked against the case itself: closed, its exit before the day, not erased yet.
        """
        outcomes = []
        for case_id in self.candidates.closed_before(closed_before):
            case = self.cases.get_case(case_id, personal_data=False)
            if case.closed_on is None or case.closed_on >= closed_before or case.personal_data_erased:
                continue
            version = case.version
            if not dry_run:
                version = self.cases.erase_personal_data(case_id, recorded_by, agency=ALL_AGENCIES).case.version
            outcomes.append(RetentionOutcome(case_id, case.agency, case.closed_on, not dry_run, version))
        return outcomes
