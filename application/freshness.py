"""How far the projection views are behind the event log, and when that is far.

Caseloads, deadlines and the live statistics are read from views that follow the log: in the API process
(LOTSE_PROJECTIONS=inline) or in `lotse worker`. They lag a moment behind every write; when nothing follows the log
(no worker running on PostgreSQL) they lag ever further, and every answer read from them is silently old. The views
are *far* behind when they lack more than `max_events` events of the log, or when the oldest event they lack was
recorded more than `max_seconds` ago (LOTSE_VIEWS_FAR_BEHIND_EVENTS, LOTSE_VIEWS_FAR_BEHIND_SECONDS); answers read
from them then say so (api/views_lag.py).
"""

from dataclasses import dataclass
from datetime import timedelta

from application.cases import CaseService, Clock
from application.ports import ViewQueries
from domain.events import CaseEvent
from domain.registers import RegisterEvent


@dataclass(frozen=True)
class ViewsLag:
    """`events`: how many events of the log the slowest view does not reflect yet; `waiting`: how long ago the oldest
    of them was recorded (zero when the views are at the log's head)."""

    events: int
    waiting: timedelta
    far: bool


class ViewsFreshness:
    """Measures the views' lag on demand: two small reads, and a third (the oldest missing event) when behind."""

    def __init__(
        self, views: ViewQueries, cases: CaseService, clock: Clock, *, max_events: int, max_seconds: float
    ) -> None:
        self.views = views
        self.cases = cases
        self.clock = clock
        self.max_events = max_events
        self.max_waiting = timedelta(seconds=max_seconds)

    def lag(self) -> ViewsLag:
        reached = min(self.views.positions().values(), default=0)
        behind = max(self.views.head() - reached, 0)
        if behind == 0:
            return ViewsLag(events=0, waiting=timedelta(0), far=False)
        waiting = self._waiting_since(reached + 1)
        return ViewsLag(events=behind, waiting=waiting, far=behind > self.max_events or waiting > self.max_waiting)

    def _waiting_since(self, position: int) -> timedelta:
        """How long ago the event at `position` was recorded, by the service's clock (which stamped it)."""
        oldest = self.cases.recorder.select_notifications(start=position, limit=1)
        if not oldest:
            return timedelta(0)
        # Its envelope's time is all that is read: the sealed mapper never opens personal data.
        event = self.cases.sealed_mapper.to_domain_event(oldest[0])
        if not isinstance(event, CaseEvent | RegisterEvent):
            return timedelta(0)
        return max(self.clock() - event.timestamp, timedelta(0))
