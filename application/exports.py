"""The participant export (GET /exports/participants): who may take it, from which data, and its access-log entries.

The export is pseudonymised ESF+ data, not personal data; still, every export is logged in the read-access log, one
entry per case of every exported participant, so an auditor sees who took whose records out, and when.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.cases import CaseService
from application.errors import InvalidQuery
from application.policy import agency_scope, require
from application.ports import ParticipantOfPeriod, ParticipantsOfPeriod, Principal, Pseudonyms, Role, ViewQueries
from application.read_your_writes import MIN_POSITION_WAIT_SECONDS, wait_for_views
from application.replay import leaves_unread
from application.reporting import Reporting
from application.statistics import SESSIONS
from domain.case import Case
from domain.exports import COLUMNS, EXPORT_VERSION, export_row, of_period
from domain.indicators_v2 import CaseFacts, case_facts, participant_facts, participant_key

EXPORTERS: tuple[Role, ...] = ("lead", "auditor")


@dataclass(frozen=True)
class ParticipantExport:
    """The rows of an export (in COLUMNS' order, ordered by entry day then pseudonym) and the log position they
    reflect."""

    version: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    position: int


class Exports:
    def __init__(
        self,
        cases: CaseService,
        views: ViewQueries,
        live: ParticipantsOfPeriod,
        reporting: Reporting,
        pseudonyms: Pseudonyms,
    ) -> None:
        self.cases = cases
        self.views = views
        self.live = live
        self.reporting = reporting
        self.pseudonyms = pseudonyms

    def participants(
        self,
        principal: Principal,
        start: date,
        end: date,
        *,
        agency: str | None = None,
        as_of_position: int | None = None,
        min_position: int | None = None,
    ) -> ParticipantExport:
        """The participants of the principal's agency (a `*` auditor: of `agency`, or of all) who entered or left in
        the period; live from the views, or recomputed from the raw events up to `as_of_position`."""
        require(principal, EXPORTERS)
        if start > end:
            raise InvalidQuery("to", "the period ends before it starts")
        scope = agency_scope(principal, agency)
        wait_for_views(self.views, min_position, MIN_POSITION_WAIT_SECONDS)
        if as_of_position is None:
            position, found = self.live.participants_of_period(scope, start, end)
        else:
            position, found = as_of_position, self._replayed(scope, start, end, as_of_position)
        rows = sorted(
            (
                export_row(item.facts, self.pseudonyms.pseudonym(item.facts.agency, item.facts.participant))
                for item in found
            ),
            key=lambda row: (row[2], row[0]),
        )
        reads = [(case_id, item.facts.agency) for item in found for case_id in item.case_ids]
        self.cases.record_reads(principal, reads, f"export:participants?from={start}&to={end}", personal_data=False)
        return ParticipantExport(version=EXPORT_VERSION, columns=COLUMNS, rows=rows, position=position)

    def _replayed(self, agency: str | None, start: date, end: date, position: int) -> list[ParticipantOfPeriod]:
        grouped: dict[tuple[str, str], list[UUID]] = defaultdict(list)
        facts = defaultdict(list)
        for case_id, one in self.reporting.replay_extracted(position, agency, _case_facts_in):
            grouped[participant_key(one)].append(case_id)
            facts[participant_key(one)].append(one)
        found = [
            ParticipantOfPeriod(facts=participant_facts(facts[key]), case_ids=tuple(sorted(case_ids)))
            for key, case_ids in grouped.items()
        ]
        return [item for item in found if of_period(item.facts, start, end)]


@leaves_unread(SESSIONS)
def _case_facts_in(state: object) -> tuple[UUID, CaseFacts] | None:
    """A replayed case's id and facts; nothing of a register's entry (a module function: it may run in another
    process)."""
    return (state.id, case_facts(state)) if isinstance(state, Case) else None
