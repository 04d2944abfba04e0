"""The `Lotse-Views-Behind` header: answers read from the projection views say when these lag far behind the log.

A handler that reads the views marks itself with `opt=READS_VIEWS`, or `opt=READS_VIEWS_WHEN_LIVE` where only live
answers do (the statistics: an `as_of_position` answer, and any under release 0.1's definition, replay the log
itself and are exact). Each successful answer of such a handler carries `Lotse-Views-Behind: <events>` while the
views are far behind (application/freshness.py defines "far"); the dashboard then shows a notice.
"""

import logging
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs

import anyio.to_thread
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from application.freshness import ViewsFreshness
from application.statistics import DEFINITION_0_1

HEADER = "Lotse-Views-Behind"
DESCRIPTION = (
    "Present only while the projection views this answer was read from lag far behind the event log: how many"
    " events they lack. Far means more than LOTSE_VIEWS_FAR_BEHIND_EVENTS events (default 5000), or an oldest"
    " missing event recorded more than LOTSE_VIEWS_FAR_BEHIND_SECONDS ago (default 60): usually no `lotse worker`"
    " is running. The answer is correct as of its log position but misses everything recorded since."
)
OPT_KEY = "lotse_reads_views"
Query = Mapping[str, list[str]]
logger = logging.getLogger("lotse.api")


def _always(_: Query) -> bool:
    return True


def _when_live(query: Query) -> bool:
    return "as_of_position" not in query and query.get("definition_version", [None])[-1] != DEFINITION_0_1


READS_VIEWS: dict[str, Callable[[Query], bool]] = {OPT_KEY: _always}
READS_VIEWS_WHEN_LIVE: dict[str, Callable[[Query], bool]] = {OPT_KEY: _when_live}


def views_behind_header(freshness: ViewsFreshness) -> BeforeMessageSendHookHandler:
    """A before-send hook: adds the header to the successful answers of the handlers marked as reading views."""

    async def add_views_behind(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or not 200 <= message["status"] < 300:
            return
        handler = scope.get("route_handler")
        reads_views = handler.opt.get(OPT_KEY) if handler is not None else None
        if reads_views is None or not reads_views(parse_qs(scope.get("query_string", b"").decode("latin-1"))):
            return
        try:
            lag = await anyio.to_thread.run_sync(freshness.lag)
        except Exception:
            # The answer is made; a failed measurement must not take it away.
            logger.warning("cannot measure how far the views are behind", exc_info=True)
            return
        if lag.far:
            message["headers"] = [*message.get("headers", []), (HEADER.lower().encode(), str(lag.events).encode())]

    return add_views_behind
