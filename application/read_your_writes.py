"""Read-your-writes: every write answers the log position it committed at, and a read given `min_position` waits
until the views it reads reflect that position."""

from typing import Protocol

from application.errors import InvalidQuery, ViewLagging

MIN_POSITION_WAIT_SECONDS = 5.0


class FollowingViews(Protocol):
    """Views that follow the event log: how far the log reaches, and a wait for the views to reach a position."""

    def head(self) -> int: ...

    def wait_for(self, position: int, timeout: float) -> bool: ...


def wait_for_views(views: FollowingViews, min_position: int | None, timeout: float) -> None:
    """Waits until the views reflect `min_position`: InvalidQuery for a position the log does not have, ViewLagging
    when they do not reach it within `timeout` seconds."""
    if min_position is None:
        return
    head = views.head()
    if min_position > head:
        # Every write answers a committed position, so one beyond the log's head was never handed out.
        raise InvalidQuery("min_position", f"the log has no position {min_position} (it is at {head})")
    if not views.wait_for(min_position, timeout):
        raise ViewLagging(min_position)
