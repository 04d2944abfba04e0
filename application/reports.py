"""Publishing reports and reading them (API.md, "published reports — what analysts read").

A lead publishes her agency's figures, an auditor her agency's (a `*` auditor one agency's or all agencies'
together), for a period that has ended. The figures are computed by replaying the log up to its head — the position
the report is frozen at — and split into the exact counts per agency and month the suppression needs
(application/disclosure.py); the cells an analyst may not see are hidden against every report of the series
published before, and the report is signed with the audit key and recorded as the series' next event.

Everyone who reads figures reads the published reports of her agency (a `*` principal every report); analysts read
nothing else.
"""

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import msgspec

from application.activity import activity_cells, facts_of
from application.disclosure import Relation, Release, suppress_across
from application.errors import ConcurrentUpdate, EntryNotFound, PermissionDenied
from application.policy import require
from application.ports import ALL_AGENCIES, IdempotencyClaim, Principal, ReportSigner, RetryKey, Role
from application.registers import WRITE_ATTEMPTS, Decision, RegisterService, Written
from application.replay import leaves_unread
from application.reporting import Reporting
from application.statistics import (
    CURRENT_DEFINITION,
    FOLLOW_UP_RESPONSE,
    MIN_CELL,
    PARTITIONS_OF_ALL,
    RESPONSE_COLUMNS,
    SESSIONS,
    Basis,
    FunnelFacts,
    case_facts_and_employers,
    esf_counts,
    esf_fact_of,
    funnel,
    funnel_facts_of,
    sum_counted,
)
from domain import indicators_v2 as v2
from domain.activity import DEFINITION_VERSION as ACTIVITY_DEFINITION
from domain.activity import activity as count_activity
from domain.case import Case
from domain.funnel import FUNNEL_DEFINITION_VERSION
from domain.indicators import GENDERS
from domain.publishing import PublishReport, check_publishable
from domain.registers import Stamp
from domain.reports import (
    REPORTS,
    MonthlyCounts,
    Period,
    Report,
    ReportBasis,
    ReportKind,
    ReportSeries,
    period_of,
    published,
    series_id,
    signed_message,
)

PUBLISHERS: tuple[Role, ...] = ("lead", "auditor")
REPORT_READERS: tuple[Role, ...] = ("counsellor", "lead", "auditor", "analyst")
DEFINITIONS: dict[ReportKind, str] = {
    "esf": CURRENT_DEFINITION,
    "activity": ACTIVITY_DEFINITION,
    "funnel": FUNNEL_DEFINITION_VERSION,
}
# Counts of the activity report that are no sum over months: each person or employer once in the whole period.
ACTIVITY_WHOLE = ("persons_", "employers_contacted", "employers_counselled")


@dataclass(frozen=True)
class Figures:
    """A report's figures before suppression: the exact counts (`counts` per agency and month, `whole` for the
    period), the cells they make, how those relate, and the figures that are no counts (shares, medians)."""

    counts: MonthlyCounts
    whole: dict[str, int]
    cells: dict[str, int]
    relations: tuple[Relation, ...]
    figures: dict[str, float | None]
    # A figure is hidden with any of these cells (a share gives a hidden count back), or by itself (a median of
    # fewer than MIN_CELL persons).
    figure_needs: dict[str, tuple[str, ...]]
    figures_hidden: frozenset[str]


class Reports:
    def __init__(
        self,
        registers: RegisterService,
        reporting: Reporting,
        signer: ReportSigner,
        today: Callable[[], date],
    ) -> None:
        self.registers = registers
        self.reporting = reporting
        self.signer = signer
        self.today = today

    def publish(
        self, principal: Principal, command: PublishReport, retry: RetryKey | None = None
    ) -> tuple[Report, int, bool]:
        """Publishes the report; answers it, its event's log position and whether it was a retry's first answer (a
        retry with the same Idempotency-Key counts for its caller alone)."""
        require(principal, PUBLISHERS)
        idempotency = (
            None
            if retry is None
            else IdempotencyClaim(scope=principal.scope, key=retry.key, fingerprint=retry.fingerprint)
        )
        scope = _publishing_scope(principal, command.agency)
        period = check_publishable(command, self.today())
        definition = DEFINITIONS[command.kind]
        series = series_id(command.kind, command.basis, definition)
        report_id = uuid4()

        @functools.cache
        def frozen() -> tuple[int, Figures]:
            """The figures at the log's head: replayed once, only when a publication is decided (a retry with the
            Idempotency-Key is answered before), and kept when a lost race decides it again."""
            position = self.reporting.cases.recorder.max_notification_id() or 0
            facts = self.reporting.replay_extracted(
                position, None if scope == ALL_AGENCIES else scope, _FACTS_OF_KIND[command.kind]
            )
            return position, _figures(command.kind, command.basis, facts, period)

        def decide(current: ReportSeries | None, stamp: Stamp) -> Any:
            earlier = current.reports if current is not None else ()
            position, figures = frozen()
            report = self._report(report_id, command, scope, period, definition, position, figures, earlier, stamp)
            return published(stamp, report)

        written = self._append(series, decide, principal.subject, idempotency)
        # The series as this write (or, for a retry, the first one) left it: its report is the last.
        return written.entry.reports[-1], written.position, written.replayed

    def list(self, principal: Principal, *, kind: ReportKind | None = None, period: str | None = None) -> list[Report]:
        """The reports the principal may read, newest first."""
        require(principal, REPORT_READERS)
        found = [
            report
            for report in self._all_reports()
            if _may_read(principal, report)
            and (kind is None or report.kind == kind)
            and (period is None or report.period == period)
        ]
        return sorted(found, key=lambda report: (report.published_at, str(report.id)), reverse=True)

    def get(self, principal: Principal, report_id: UUID) -> Report:
        require(principal, REPORT_READERS)
        for report in self._all_reports():
            if report.id == report_id and _may_read(principal, report):
                return report
        raise EntryNotFound("report", report_id)

    def verify(self, report: Report) -> bool:
        """Whether the report's signature holds for what it says, under the audit key's public half it names."""
        return self.signer.verify(signed_message(report), report.signature, report.public_key)

    # Internals

    def _append(
        self, series: UUID, decide: Decision[ReportSeries], publisher: str, idempotency: IdempotencyClaim | None
    ) -> Written[ReportSeries]:
        """The series' next publication; its first one creates it (a concurrent first one makes this the second)."""
        for _ in range(WRITE_ATTEMPTS):
            try:
                if self._series(series) is None:
                    return self.registers.create(
                        REPORTS, decide, recorded_by=publisher, idempotency=idempotency, entry_id=series
                    )
                return self.registers.change(
                    REPORTS, series, decide, agency=ALL_AGENCIES, recorded_by=publisher, idempotency=idempotency
                )
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(series, 0)

    def _series(self, series: UUID) -> ReportSeries | None:
        try:
            return self.registers.get(REPORTS, series, agency=ALL_AGENCIES)
        except EntryNotFound:
            return None

    def _all_reports(self) -> Iterable[Report]:
        for kind, definition in DEFINITIONS.items():
            bases: tuple[ReportBasis | None, ...] = ("entry", "exit") if kind == "esf" else (None,)
            for basis in bases:
                found = self._series(series_id(kind, basis, definition))
                if found is not None:
                    yield from found.reports

    def _report(
        self,
        report_id: UUID,
        command: PublishReport,
        scope: str,
        period: Period,
        definition: str,
        position: int,
        figures: Figures,
        earlier: Sequence[Report],
        stamp: Stamp,
    ) -> Report:
        """The report of these figures, hidden against every report of the series published before, and signed."""
        new = _release(scope, period, figures, frozenset())
        hidden = suppress_across([_release_of(report) for report in earlier], new)
        shown_figures = {
            name: (None if name in figures.figures_hidden or hidden & set(figures.figure_needs.get(name, ())) else v)
            for name, v in figures.figures.items()
        }
        unsigned = Report(
            id=report_id,
            agency=scope,
            kind=command.kind,
            period=command.period,
            basis=command.basis,
            definition_version=definition,
            position=position,
            digest=self.reporting.digest.head_at(position),
            cells={cell: (None if cell in hidden else value) for cell, value in figures.cells.items()},
            figures=shown_figures,
            suppressed=sorted(hidden | {name for name, value in shown_figures.items() if value is None}),
            counts=figures.counts,
            whole_counts=figures.whole,
            signature="",
            public_key=self.signer.public_key(),
            published_by=stamp.recorded_by,
            published_at=stamp.at,
        )
        return msgspec.structs.replace(unsigned, signature=self.signer.sign(signed_message(unsigned)))


def _publishing_scope(principal: Principal, wanted: str | None) -> str:
    if principal.agency == ALL_AGENCIES:
        return wanted or ALL_AGENCIES
    if wanted not in (None, principal.agency):
        raise PermissionDenied(f"a report of agency '{wanted}' is not the agency '{principal.agency}' of the caller")
    return principal.agency


def _may_read(principal: Principal, report: Report) -> bool:
    return principal.agency in (ALL_AGENCIES, report.agency)


def _release(scope: str, period: Period, figures: Figures, shown: frozenset[str]) -> Release:
    return Release(
        scope=scope,
        period=period.text,
        months=period.months,
        counts=figures.counts,
        whole=figures.whole,
        cells=tuple(figures.cells),
        shown=shown,
        relations=figures.relations,
    )


def _release_of(report: Report) -> Release:
    period = period_of(report.period)
    return Release(
        scope=report.agency,
        period=report.period,
        months=period.months,
        counts=report.counts,
        whole=report.whole_counts,
        cells=tuple(report.cells),
        shown=frozenset(cell for cell, value in report.cells.items() if value is not None),
        relations=_relations(report.kind, tuple(report.cells)),
    )


# The figures of each kind, split as the suppression needs them


def _figures(kind: ReportKind, basis: Basis | None, facts: Iterable[Any], period: Period) -> Figures:
    """The report's figures from what `_FACTS_OF_KIND[kind]` found in the replayed states (cases and the registers'
    entries), read once."""
    if kind == "esf":
        assert basis is not None  # check_publishable
        return _esf_figures(basis, facts, period)
    if kind == "activity":
        return _activity_figures(facts, period)
    return _funnel_figures(facts, period)


def _activity_of(state: Any) -> tuple[str, list[Any]]:
    return state.agency, facts_of(state)


@leaves_unread(SESSIONS)
def _funnel_of(state: Any) -> tuple[str, tuple[date, FunnelFacts]] | None:
    return (state.agency, (state.opened_on, funnel_facts_of(state))) if isinstance(state, Case) else None


# What each kind counts of a replayed state: module functions, as a replay in several processes needs them.
_FACTS_OF_KIND: dict[ReportKind, Callable[[Any], Any]] = {
    "esf": esf_fact_of,
    "activity": _activity_of,
    "funnel": _funnel_of,
}


def _by_agency(items: Iterable[tuple[str, Any]]) -> dict[str, list[Any]]:
    """The items grouped by their agency, the agencies in alphabetical order (not the order a replay met them)."""
    grouped: dict[str, list[Any]] = {}
    for agency, item in items:
        grouped.setdefault(agency, []).append(item)
    return dict(sorted(grouped.items()))


def _esf_figures(basis: Basis, found: Iterable[Any], period: Period) -> Figures:
    cases, employers = case_facts_and_employers(found)
    counts: MonthlyCounts = {}
    for agency, facts in _by_agency((facts.agency, facts) for facts in cases).items():
        participants = v2.participants_of_facts(facts)
        for month in period.months:
            days = period_of(month)
            figures = esf_counts(basis, sum_counted(participants, days.start, days.end, basis))
            row = {f"{code}.{column}": n for code, by in figures.counts.items() for column, n in by.items()}
            row.pop(f"{v2.SMES_SUPPORTED}.total", None)
            if figures.follow_up_response is not None:
                row |= {f"{FOLLOW_UP_RESPONSE}.{column}": n for column, n in figures.follow_up_response.items()}
            counts.setdefault(agency, {})[month] = row
    cells = _summed(counts, _esf_cell_names(basis))
    whole: dict[str, int] = {}
    if basis == "entry":
        whole[f"{v2.SMES_SUPPORTED}.total"] = v2.smes_supported(employers, period.start, period.end)
        cells |= whole
    return Figures(counts, whole, cells, _relations("esf", tuple(cells)), {}, {}, frozenset())


def _esf_cell_names(basis: Basis) -> list[str]:
    codes = v2.ENTRY_CODES if basis == "entry" else v2.EXIT_CODES
    names = [f"{code}.{column}" for code in codes for column in (*GENDERS, "total")]
    if basis == "exit":
        names += [f"{FOLLOW_UP_RESPONSE}.{column}" for column in RESPONSE_COLUMNS]
    return names


def _activity_figures(facts_by_state: Iterable[tuple[str, list[Any]]], period: Period) -> Figures:
    counts: MonthlyCounts = {}
    names: dict[str, None] = {}
    # Grouped by state, not by fact: an agency whose states have no fact in the period still gets its rows.
    grouped = _by_agency(facts_by_state)
    by_agency = {agency: [fact for facts in each for fact in facts] for agency, each in grouped.items()}
    for agency, facts in by_agency.items():
        for month in period.months:
            days = period_of(month)
            cells, _ = activity_cells(count_activity(facts, days.start, days.end))
            row = {name: n for name, n in cells.items() if not name.startswith(ACTIVITY_WHOLE)}
            counts.setdefault(agency, {})[month] = row
            names.update(dict.fromkeys(row))
    every = [fact for facts in by_agency.values() for fact in facts]
    whole_activity = count_activity(every, period.start, period.end)
    all_cells, _ = activity_cells(whole_activity)
    whole = {name: n for name, n in all_cells.items() if name.startswith(ACTIVITY_WHOLE)}
    cells = _summed(counts, list(names)) | whole
    share = whole_activity.share_foreign_background
    return Figures(
        counts,
        whole,
        cells,
        _relations("activity", tuple(cells)),
        {"share_foreign_background": share},
        {"share_foreign_background": ("persons_with_foreign_background", "persons_without_foreign_background")},
        frozenset(),
    )


def _funnel_figures(opened_cases: Iterable[tuple[str, tuple[date, FunnelFacts]]], period: Period) -> Figures:
    counts: MonthlyCounts = {}
    cases = _by_agency(opened_cases)
    for agency, opened in cases.items():
        for month in period.months:
            days = period_of(month)
            cohort = [facts for opened_on, facts in opened if days.start <= opened_on <= days.end]
            counts.setdefault(agency, {})[month] = _reached(funnel(cohort))
    cells = _summed(counts, list(_reached(funnel([]))))
    whole_funnel = funnel(
        facts for opened in cases.values() for opened_on, facts in opened if period.start <= opened_on <= period.end
    )
    medians = {
        f"{pathway}.median_days.{step}": days
        for pathway, numbers in whole_funnel.items()
        for step, days in numbers.median_days.items()
    }
    few = frozenset(
        f"{pathway}.median_days.{step}"
        for pathway, numbers in whole_funnel.items()
        for step, persons in numbers.persons_per_median.items()
        if persons < MIN_CELL
    )
    return Figures(counts, {}, cells, (), medians, {}, few)


def _reached(pathways: dict[str, Any]) -> dict[str, int]:
    return {
        f"{pathway}.reached.{stage}": n for pathway, numbers in pathways.items() for stage, n in numbers.reached.items()
    }


def _summed(counts: MonthlyCounts, names: Sequence[str]) -> dict[str, int]:
    return {name: sum(row.get(name, 0) for by_month in counts.values() for row in by_month.values()) for name in names}


def _relations(kind: str, cells: tuple[str, ...]) -> tuple[Relation, ...]:
    """How the cells of a report of the kind add up (the analyst knows it as well as we do)."""
    present = set(cells)
    relations: list[Relation] = []
    if kind == "esf":
        codes = sorted({cell.split(".")[0] for cell in cells} - {FOLLOW_UP_RESPONSE})
        for code in codes:
            parts = tuple(f"{code}.{gender}" for gender in GENDERS if f"{code}.{gender}" in present)
            if f"{code}.total" in present and parts:
                relations.append((f"{code}.total", parts))
        for column in (*GENDERS, "total"):
            for partition in PARTITIONS_OF_ALL:
                names = [f"{code}.{column}" for code in ("EECO01", *partition)]
                if all(name in present for name in names):
                    relations.append((names[0], tuple(names[1:])))
        responses = [f"{FOLLOW_UP_RESPONSE}.{column}" for column in RESPONSE_COLUMNS]
        if all(name in present for name in responses):
            relations.append((responses[0], tuple(responses[1:])))
    elif kind == "activity":
        relations += [(group[0], tuple(group[1:])) for group in _activity_relations(cells)]
    return tuple(relations)


def _activity_relations(cells: tuple[str, ...]) -> list[list[str]]:
    present = set(cells)
    groups: list[list[str]] = []
    for total, prefix in (
        ("sessions", "sessions_by_mode."),
        ("short_contacts", "short_contacts_by_topic."),
        ("outreach_events", "outreach_events_by_kind."),
        ("employers_counselled", "employers_counselled_by_size."),
        ("referrals", "referrals_by_to."),
        ("referrals", "referrals_by_outcome."),
    ):
        groups.append([total, *(cell for cell in cells if cell.startswith(prefix))])
    languages = [cell for cell in cells if cell.startswith("sessions_by_language.") and cell.count(".") == 1]
    groups.append(["sessions", *languages])
    for language in languages:
        groups.append([language, f"{language}.with_interpreter", f"{language}.without_interpreter"])
    groups.append(["persons_counselled", "persons_with_foreign_background", "persons_without_foreign_background"])
    return [group for group in groups if len(group) > 1 and all(cell in present for cell in group)]
