"""The use cases of the HTTP API: each takes the principal and decides what she may do and see.

Handlers decode, call one of these, encode. Whether the principal's role may do it, whose cases and figures she
reads (her agency's; every agency's for a `*` token), whether personal data are opened, whether figures are
suppressed, and the access-log entry of every read of a case are decided here (with application/policy.py), so an
endpoint cannot forget one of them.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

from application.cases import CaseService, Recorded
from application.errors import CaseNotFound, InvalidQuery, PermissionDenied, VersionNotFound
from application.history import HistoryEntry, without_personal_data
from application.policy import (
    AUDITORS,
    CASE_READERS,
    COUNSELLING,
    LEADS,
    agency_scope,
    counsellor_scope,
    reads_suppressed_figures,
    require,
    require_live_figures,
    sees_agency,
    sees_personal_data,
)
from application.ports import (
    AccessLogEntry,
    AccessLogQuery,
    CaseListQuery,
    CaseloadEntry,
    CaseloadKey,
    CaseSummary,
    DeadlineEntry,
    DeadlineKey,
    IdempotencyClaim,
    Page,
    Principal,
    RetryKey,
    ViewQueries,
)
from application.read_your_writes import MIN_POSITION_WAIT_SECONDS, wait_for_views
from application.reporting import EsfFigures, FunnelFigures, Reporting
from application.statistics import (
    CURRENT_DEFINITION,
    DEFINITIONS,
    Basis,
    Cell,
    ShownPathway,
    shown_funnel,
    shown_indicators,
)
from domain.case import Case
from domain.privacy import redacted
from domain.steps import CounsellorAssigned, OpenCase, Step

# Beyond any version a case can reach: answered as "no such version" without asking the database.
MAX_VERSION = 2**31 - 1


@dataclass(frozen=True)
class Shown:
    """A case as the principal may see it: its personal data and free text only if her role sees them.

    `personal_data_erased` is the case's own: a case shown without personal data must not read as erased. `today` is
    the service's day the case is shown on (what is overdue is judged against it).
    """

    case: Case
    personal_data_erased: bool
    today: date


@dataclass(frozen=True)
class CaseState(Shown):
    """A state of the case, and the case's version now (a past state is nothing to write on)."""

    current_version: int

    @property
    def is_current(self) -> bool:
        return self.case.version == self.current_version


@dataclass(frozen=True)
class Written(Shown):
    """The case after a write, and the write's position in the global log; `replayed`: an idempotent retry's answer,
    nothing recorded. `possible_duplicates` (a first contact's answer): the agency's other cases whose client has the
    same normalised name and birth date."""

    position: int
    replayed: bool
    possible_duplicates: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class ListedCase(CaseSummary):
    """A case in the case list; `name` is the client's, for the roles that see personal data (None for the others,
    once erased, or when none was given)."""

    name: str | None = None


@dataclass(frozen=True)
class DueDeadlines:
    """Deadlines, and the day they are due or overdue against (the service's today)."""

    entries: list[DeadlineEntry]
    today: date


@dataclass(frozen=True)
class DueDeadlinesPage:
    """A page of deadlines, and the day they are due or overdue against (the service's today)."""

    page: Page[DeadlineEntry]
    today: date


@dataclass(frozen=True)
class EsfAnswer:
    """ESF+ figures for the agency read (None: every agency), as the principal may see them; `follow_up_response`
    only on the exit basis of the current definition."""

    figures: EsfFigures
    agency: str | None
    indicators: dict[str, dict[str, Cell]]
    suppressed: list[str]
    follow_up_response: dict[str, Cell] | None = None


@dataclass(frozen=True)
class FunnelAnswer:
    figures: FunnelFigures
    agency: str | None
    pathways: dict[str, ShownPathway]
    suppressed: list[str]


class Workspace:
    def __init__(
        self,
        cases: CaseService,
        views: ViewQueries,
        reporting: Reporting,
        *,
        min_position_wait_seconds: float = MIN_POSITION_WAIT_SECONDS,
    ) -> None:
        self.cases = cases
        self.views = views
        self.reporting = reporting
        self._min_position_wait = min_position_wait_seconds

    # Writes

    def open_case(self, principal: Principal, command: OpenCase, retry: RetryKey | None = None) -> Written:
        """Counsellors and leads open cases of their own agency. A retry (the same `retry` key) is answered with the
        case as the first request left it: a read, logged as `replay?as_of_version=N`. The answer names the agency's
        other cases of the same person (`possible_duplicates`: ids only, no personal data)."""
        require(principal, COUNSELLING)
        recorded = self.cases.open_case(
            principal.agency, command, principal.subject, idempotency=_claim(principal, retry)
        )
        return self._answer(principal, recorded)

    def record_step(
        self,
        principal: Principal,
        case_id: UUID,
        step: Step,
        *,
        expected_version: int | frozenset[int] | None = None,
        retry: RetryKey | None = None,
    ) -> Written:
        """Counsellors and leads record steps on their agency's cases (another agency's case is not found); only a
        lead reassigns a case. `expected_version`: the versions the writer's If-Match accepts."""
        require(principal, COUNSELLING)
        if isinstance(step, CounsellorAssigned) and principal.role not in LEADS:
            raise PermissionDenied("only a lead may reassign a case")
        recorded = self.cases.record_step(
            case_id,
            step,
            principal.subject,
            expected_version=expected_version,
            idempotency=_claim(principal, retry),
            agency=principal.agency,
        )
        return self._answer(principal, recorded)

    def erase_personal_data(self, principal: Principal, case_id: UUID) -> Recorded:
        """A lead erases the personal data of a client of her agency; nothing personal is opened for it."""
        require(principal, LEADS)
        return self.cases.erase_personal_data(case_id, principal.subject, agency=principal.agency)

    # Reads of a case: each is logged before it is answered

    def read_case(
        self,
        principal: Principal,
        case_id: UUID,
        *,
        as_of_version: int | None = None,
        as_of: datetime | None = None,
    ) -> CaseState:
        """The case now, or as it was at a version or instant; personal data only for counsellors and leads."""
        require(principal, CASE_READERS)
        if as_of_version is not None and as_of is not None:
            raise InvalidQuery("as_of", "give as_of_version or as_of, not both")
        show = sees_personal_data(principal.role)
        current = self._visible_case(principal, case_id, personal_data=show)
        if as_of_version is not None:
            if as_of_version > MAX_VERSION:
                raise VersionNotFound(case_id, as_of_version, current.version)
            case = self.cases.case_as_of_version(case_id, as_of_version, personal_data=show)
            what = f"state?as_of_version={as_of_version}"
        elif as_of is not None:
            if as_of.tzinfo is None:
                raise InvalidQuery("as_of", "an instant needs a time zone offset, e.g. 2026-03-02T10:00:00Z")
            case = self.cases.case_as_of(case_id, as_of, personal_data=show)
            what = f"state?as_of={as_of.isoformat()}"
        else:
            case, what = current, "state"
        shown = _as_shown(principal, case)
        self.cases.record_read(principal, current, what, personal_data=shown.personal is not None)
        return CaseState(
            case=shown,
            personal_data_erased=case.personal_data_erased,
            today=self.cases.today(),
            current_version=current.version,
        )

    def read_history(self, principal: Principal, case_id: UUID) -> list[HistoryEntry]:
        """Every event of the case, oldest first; personal data only for counsellors and leads."""
        require(principal, CASE_READERS)
        show = sees_personal_data(principal.role)
        current = self._visible_case(principal, case_id, personal_data=show)
        entries = self.cases.history(case_id, personal_data=show)
        if not show:
            entries = [without_personal_data(entry) for entry in entries]
        self.cases.record_read(principal, current, "history", personal_data=show and not current.personal_data_erased)
        return entries

    # The case list: the client's name for the roles that see personal data, each one logged

    def list_cases(self, principal: Principal, query: CaseListQuery, *, q: str | None = None) -> list[ListedCase]:
        """A page of the case list of the principal's agency (a `*` principal: of `query.agency`, or of all).

        `q` finds clients by name (counsellors and leads only; PermissionDenied for the others): the cases whose
        client's name has every word of `q`, each word compared normalised (application/names.py) through the
        agency's keyed name index; combined with the other filters and the paging. A `q` without a letter is an
        InvalidQuery. Counsellors and leads see each listed client's name; auditors see no name (analysts no list).

        A name in a list is the client's personal data shown to the reader, as much as in the case itself, and being
        listed for a `q` tells her name too: every listed case whose client's name is shown is recorded in the access
        log before the page is answered, as a read `list` (`search` when `q` was given; the text searched for is not
        kept, it is a name) with `personal_data` true, all of the page's in one transaction. A list that shows no
        name (an auditor's; the rows of erased clients) shows no single person's data and is not logged, like
        figures.
        """
        require(principal, CASE_READERS)
        scoped = replace(query, agency=agency_scope(principal, query.agency))
        if q is not None:
            if principal.role not in COUNSELLING:
                raise PermissionDenied(
                    f"finding clients by name (q) is for counsellors and leads: the role '{principal.role}' never"
                    " sees clients' names"
                )
            words = self.cases.name_words(principal.agency, q)
            if not words:
                raise InvalidQuery("q", "names no word to find (a word is a run of letters)")
            scoped = replace(scoped, name_words=words)
        summaries = self.cases.list_cases(scoped)
        if not sees_personal_data(principal.role):
            return [ListedCase(**vars(summary)) for summary in summaries]
        names = self.cases.names_of([summary.case_id for summary in summaries])
        listed = [ListedCase(**vars(summary), name=names.get(summary.case_id)) for summary in summaries]
        shown = [(item.case_id, item.agency) for item in listed if item.name is not None]
        self.cases.record_reads(principal, shown, "list" if q is None else "search", personal_data=True)
        return listed

    # Figures: no single person's data, not logged

    def caseload(
        self,
        principal: Principal,
        *,
        counsellor: str | None = None,
        agency: str | None = None,
        min_position: int | None = None,
    ) -> list[CaseloadEntry]:
        """Open cases per counsellor; a counsellor reads only her own. They are live figures: analysts read published
        reports (a caseload's stage counts, read twice, would tell a new client apart)."""
        require_live_figures(principal)
        counsellor = counsellor_scope(principal, counsellor)
        self._wait_for(min_position)
        return self.views.caseload(agency_scope(principal, agency), counsellor, self.cases.today())

    def deadlines(
        self,
        principal: Principal,
        *,
        due_before: date | None = None,
        counsellor: str | None = None,
        agency: str | None = None,
        min_position: int | None = None,
    ) -> DueDeadlines:
        """Due and overdue deadlines; a counsellor reads only her own."""
        require(principal, CASE_READERS)
        counsellor = counsellor_scope(principal, counsellor)
        self._wait_for(min_position)
        today = self.cases.today()
        return DueDeadlines(self.views.deadlines(agency_scope(principal, agency), counsellor, due_before), today)

    def caseload_page(
        self,
        principal: Principal,
        *,
        after: CaseloadKey | None,
        limit: int,
        counsellor: str | None = None,
        agency: str | None = None,
        min_position: int | None = None,
    ) -> Page[CaseloadEntry]:
        """A page of the caseloads, by counsellor name from the first after `after`; as `caseload` decides who reads
        whose."""
        require_live_figures(principal)
        counsellor = counsellor_scope(principal, counsellor)
        self._wait_for(min_position)
        scope = agency_scope(principal, agency)
        return self.views.caseload_page(scope, counsellor, self.cases.today(), after=after, limit=limit)

    def deadlines_page(
        self,
        principal: Principal,
        *,
        after: DeadlineKey | None,
        limit: int,
        due_before: date | None = None,
        counsellor: str | None = None,
        agency: str | None = None,
        min_position: int | None = None,
    ) -> DueDeadlinesPage:
        """A page of the deadlines, by due day from the first after `after`; as `deadlines` decides whose."""
        require(principal, CASE_READERS)
        counsellor = counsellor_scope(principal, counsellor)
        self._wait_for(min_position)
        today = self.cases.today()
        scope = agency_scope(principal, agency)
        page = self.views.deadlines_page(scope, counsellor, due_before, after=after, limit=limit)
        return DueDeadlinesPage(page, today)

    def esf(
        self,
        principal: Principal,
        start: date,
        end: date,
        basis: Basis,
        *,
        agency: str | None = None,
        as_of_position: int | None = None,
        min_position: int | None = None,
        definition_version: str | None = None,
    ) -> EsfAnswer:
        """The ESF+ indicators of the principal's agency (a `*` principal: of `agency`, or of all); suppressed for
        analysts. `definition_version` (default: the current one) names the definition the figures follow: an
        earlier one recomputes a figure published under it."""
        require_live_figures(principal)
        if start > end:
            raise InvalidQuery("to", "the period ends before it starts")
        version = CURRENT_DEFINITION if definition_version is None else definition_version
        if version not in DEFINITIONS:
            raise InvalidQuery("definition_version", f"unknown definition (known: {', '.join(DEFINITIONS)})")
        self._wait_for(min_position)
        scope = agency_scope(principal, agency)
        figures = self.reporting.esf(scope, start, end, basis, as_of_position, version)
        shown = shown_indicators(
            figures.counts, figures.follow_up_response, suppressed=reads_suppressed_figures(principal.role)
        )
        return EsfAnswer(
            figures=figures,
            agency=scope,
            indicators=shown.indicators,
            suppressed=shown.suppressed,
            follow_up_response=shown.follow_up_response,
        )

    def funnel(
        self,
        principal: Principal,
        *,
        agency: str | None = None,
        as_of_position: int | None = None,
        min_position: int | None = None,
    ) -> FunnelAnswer:
        """The pathway funnel, scoped and suppressed as `esf`."""
        require_live_figures(principal)
        self._wait_for(min_position)
        scope = agency_scope(principal, agency)
        figures = self.reporting.funnel(scope, as_of_position)
        pathways, hidden = shown_funnel(figures.pathways, suppressed=reads_suppressed_figures(principal.role))
        return FunnelAnswer(figures=figures, agency=scope, pathways=pathways, suppressed=hidden)

    def access_log(self, principal: Principal, query: AccessLogQuery) -> list[AccessLogEntry]:
        """For auditors: reads of their agency's cases (a `*` auditor: of `query.case_agency`'s, or of all)."""
        require(principal, AUDITORS)
        return self.cases.access_log(replace(query, case_agency=agency_scope(principal, query.case_agency)))

    # Internals

    def _visible_case(self, principal: Principal, case_id: UUID, *, personal_data: bool) -> Case:
        """The case, if the principal's agency may see it; another agency's case does not exist for her."""
        case = self.cases.get_case(case_id, personal_data=personal_data)
        if not sees_agency(principal, case.agency):
            raise CaseNotFound(case_id)
        return case

    def _answer(self, principal: Principal, recorded: Recorded) -> Written:
        """A write's answer as the principal may see it; a replayed one is a read of the case, and logged."""
        case = recorded.case
        shown = _as_shown(principal, case)
        if recorded.replayed:
            what = f"replay?as_of_version={case.version}"
            self.cases.record_read(principal, case, what, personal_data=shown.personal is not None)
        return Written(
            case=shown,
            personal_data_erased=case.personal_data_erased,
            today=self.cases.today(),
            position=recorded.position,
            replayed=recorded.replayed,
            possible_duplicates=recorded.possible_duplicates,
        )

    def _wait_for(self, min_position: int | None) -> None:
        wait_for_views(self.views, min_position, self._min_position_wait)


def _as_shown(principal: Principal, case: Case) -> Case:
    return case if sees_personal_data(principal.role) else redacted(case)


def _claim(principal: Principal, retry: RetryKey | None) -> IdempotencyClaim | None:
    """A retry key counts for its caller alone: another caller's key never answers with her case."""
    if retry is None:
        return None
    return IdempotencyClaim(
        scope=principal.scope,
        key=retry.key,
        fingerprint=retry.fingerprint,
        earlier_fingerprint=retry.earlier_fingerprint,
    )
