"""A prototype, for measurement only: a counselling session recorded on the event loop, through psycopg's asynchronous
connections, beside Lotse's own route. The product does not use it; bench/async_prototype.py measures it against
`POST /cases/{id}/steps`, to say what an asynchronous write path would buy (README, "Where a step's time goes").

`POST /prototype/cases/{id}/steps` takes a counselling session (no other step) and does what the product's route does
for it when it comes without `Idempotency-Key` and `If-Match`: the token, the role's guard, writers of one case taking
turns within the process, the case read from the case cache with the events after its cached version (another
agency's case is not found), the rules, the event sealed by the mapper, a group commit made of the recorder's own
statements (the recording lock, the case list's row with the event, the hash chain's link), the cache updated and the
product's answer; a write that loses a race to another process (or shares a refused batch) reads its case again and
decides anew, as the product's does. It leaves out the idempotency keys, `If-Match`, a snapshot every 50 versions,
and the retry write by write of a batch the database refuses; the layers the product records through
(application/workspace.py, application/cases.py, the eventsourcing library's `Application.save`) are not there
either.

`POST /prototype-in-threads/cases/{id}/steps` does the same work as a synchronous handler, in Lotse's handler threads
through its connection pool and group commit: what the prototype leaves out is then told apart from where it runs.

`python -m bench.async_steps --port N` serves Lotse with these routes in two API processes, as `lotse serve
--workers 2` serves Lotse.
"""

import argparse
import asyncio
import contextlib
import sys
from dataclasses import replace
from typing import Any
from uuid import UUID

import psycopg
import uvicorn
from eventsourcing.persistence import IntegrityError, StoredEvent
from litestar import Litestar, Request, Response, post
from litestar.params import JSONBody
from psycopg import AsyncConnection
from psycopg.rows import tuple_row
from psycopg_pool import AsyncConnectionPool

from api.app import app_for
from api.auth import principal_of, require_role
from api.cases import _written
from api.responses import CaseView, case_view
from api.server import uvicorn_options
from application.cases import summary_of
from application.errors import CaseNotFound
from application.policy import COUNSELLING
from application.ports import ALL_AGENCIES, CaseSummary, Principal
from application.workspace import Written, _as_shown
from domain import decisions
from domain.case import Case
from domain.events import CaseEvent
from domain.evolution import evolve, project_case
from domain.steps import CounsellingSessionHeld
from infrastructure.audit.chain import inserted_links, links_after
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.cli.serving import frozen
from infrastructure.eventstore.recorders import PostgresCaseRecorder, _event_columns
from infrastructure.eventstore.tables import summary_columns
from infrastructure.settings import Settings

API_PROCESSES = 2
PATH = "/prototype/cases/{}/steps"
IN_THREADS_PATH = "/prototype-in-threads/cases/{}/steps"
MAX_BATCH = 256  # as infrastructure/eventstore/group_commit.py's
# Two API processes may write one case at once (wrk's connections cycle through the cases, and a slow answer lets the
# cycle come round): the one that loses reads the case again and decides anew, as the product's route does.
RACE_ATTEMPTS = 3


class AsyncSteps:
    """The case's read and the group commit of a step, on the event loop."""

    def __init__(self, lotse: Lotse) -> None:
        self.cases = lotse.cases
        recorder = self.cases.recorder
        assert isinstance(recorder, PostgresCaseRecorder), "the prototype records on PostgreSQL"
        self.recorder = recorder
        connecting = {name: value for name, value in recorder.datastore.pool.kwargs.items() if name != "row_factory"}
        self.pool = AsyncConnectionPool(
            kwargs={name: value for name, value in connecting.items() if value is not None},
            min_size=lotse.settings.pool_size,
            open=False,
            configure=_autocommit,
        )
        self._rows_after = recorder._select_case_rows + " AND originator_version > %s ORDER BY originator_version"
        self._queue: list[tuple[StoredEvent, CaseSummary, asyncio.Future[int]]] = []
        self._committer: asyncio.Task[None] | None = None
        # Writers of one case take turns in a process, as the product's do (application/cases.py `_lock_for`).
        self._case_locks = [asyncio.Lock() for _ in range(64)]

    def lock_for(self, case_id: UUID) -> asyncio.Lock:
        return self._case_locks[case_id.int % len(self._case_locks)]

    async def read(self, case_id: UUID) -> Case:
        """The case from the cache (read whole on a miss, as the product reads it), with its events since."""
        cache = self.cases.repository.cache
        assert cache is not None
        try:
            cached: Case = cache.get(case_id)
        except KeyError:  # the product's read puts it in the cache
            return await asyncio.to_thread(self.cases.get_case, case_id, personal_data=True)
        async with self.pool.connection() as connection, connection.cursor(row_factory=tuple_row) as cursor:
            await cursor.execute(self._rows_after, (case_id, cached.version), prepare=True, binary=True)
            rows = await cursor.fetchall()
        mapper = self.cases.mapper
        later = [mapper.to_domain_event(StoredEvent(case_id, *row)) for row in rows]
        case_now = project_case(cached, later)
        assert case_now is not None
        return case_now

    async def commit(self, stored: StoredEvent, summary: CaseSummary) -> int:
        """The event's position once committed, in a transaction with whatever else is queued meanwhile."""
        answer = asyncio.get_running_loop().create_future()
        self._queue.append((stored, summary, answer))
        if self._committer is None:
            self._committer = asyncio.get_running_loop().create_task(self._commit_queued())
        return await answer

    async def _commit_queued(self) -> None:
        """Commits what is queued, batch after batch, until the queue is empty. A batch the database refuses fails
        as a whole (the product's group commit retries it write by write); each of its writers then reads its case
        again and decides anew (RACE_ATTEMPTS)."""
        try:
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                try:
                    positions = await self._record([(stored, summary) for stored, summary, _ in batch])
                except BaseException as error:
                    for _, _, answer in batch:
                        if not answer.done():  # a cancelled request's answer is done already
                            answer.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                for (_, _, answer), position in zip(batch, positions, strict=True):
                    if not answer.done():
                        answer.set_result(position)
        finally:
            self._committer = None

    async def _record(self, batch: list[tuple[StoredEvent, CaseSummary]]) -> list[int]:
        recorder, stored_events = self.recorder, [stored for stored, _ in batch]
        async with self.pool.connection() as connection, connection.cursor(row_factory=tuple_row) as cursor:
            try:
                await cursor.execute(recorder._begin_and_lock)
                while cursor.nextset():
                    pass
                last = await cursor.fetchone()
                summaries = summary_columns([summary for _, summary in batch])
                columns = (*summaries, *_event_columns(stored_events))
                await cursor.execute(recorder._insert_summaries_and_events, columns)
                positions = [row[0] for row in await cursor.fetchall()]
                links = links_after(last[0] if last else None, list(zip(positions, stored_events, strict=True)))
                await cursor.execute(f"{inserted_links(recorder._chain_table, links)}; COMMIT")
            except BaseException:
                with contextlib.suppress(psycopg.Error):  # a broken connection is the pool's to replace
                    await connection.rollback()
                raise
        return positions


async def _autocommit(connection: AsyncConnection[Any]) -> None:
    await connection.set_autocommit(True)


def with_async_steps(lotse: Lotse) -> Litestar:
    """Lotse's app, with the prototype's route beside its own."""
    steps = AsyncSteps(lotse)
    cases = lotse.cases

    cache = cases.repository.cache
    assert cache is not None

    def decided(principal: Principal, case: Case, session: CounsellingSessionHeld) -> tuple[CaseEvent, Case]:
        if principal.agency not in (ALL_AGENCIES, case.agency):  # another agency's case is not found
            raise CaseNotFound(case.id)
        event = decisions.record_step(case, session, cases._context(principal.subject))
        return event, evolve(case, event)

    def answer(principal: Principal, after: Case, position: int) -> Response[CaseView]:
        cache.put(after.id, after)
        shown = _as_shown(principal, after)
        written = Written(
            case=shown,
            personal_data_erased=after.personal_data_erased,
            today=cases.today(),
            position=position,
            replayed=False,
        )
        return _written(written, case_view(written))

    @post(PATH.format("{case_id:uuid}"), guards=[require_role(COUNSELLING)], include_in_schema=False)
    async def record_step_on_the_loop(
        case_id: UUID, data: JSONBody[CounsellingSessionHeld], request: Request[Any, Any, Any]
    ) -> Response[CaseView]:
        principal = principal_of(request)
        async with steps.lock_for(case_id):
            for attempt in range(1, RACE_ATTEMPTS + 1):
                event, after = decided(principal, await steps.read(case_id), data)
                try:
                    position = await steps.commit(cases.mapper.to_stored_event(event), summary_of(after))
                except psycopg.errors.UniqueViolation:
                    # Another process wrote the case first, or another write of this batch's transaction did: read
                    # the case again and decide anew, as the product's route does.
                    if attempt == RACE_ATTEMPTS:
                        raise
                    continue
                return answer(principal, after, position)
        raise AssertionError("unreachable")

    @post(
        IN_THREADS_PATH.format("{case_id:uuid}"),
        guards=[require_role(COUNSELLING)],
        include_in_schema=False,
        sync_to_thread=True,
    )
    def record_step_in_a_thread(
        case_id: UUID, data: JSONBody[CounsellingSessionHeld], request: Request[Any, Any, Any]
    ) -> Response[CaseView]:
        """The same work as the loop's, in Lotse's handler threads through its synchronous pool and group commit. The
        case is read as the loop reads it (not through the library's repository, which `get_case` is): only where the
        work runs differs."""
        principal = principal_of(request)
        with cases._lock_for(case_id):
            for attempt in range(1, RACE_ATTEMPTS + 1):
                try:
                    cached: Case = cache.get(case_id)
                except KeyError:
                    case = cases.get_case(case_id, personal_data=True)
                else:
                    rows = steps.recorder.select_events(case_id, gt=cached.version)
                    case = project_case(cached, [cases.mapper.to_domain_event(row) for row in rows])  # type: ignore[assignment]
                event, after = decided(principal, case, data)
                stored = cases.mapper.to_stored_event(event)
                try:
                    positions = steps.recorder.insert_events([stored], case_summary=summary_of(after))
                except IntegrityError:  # another process wrote the case first: as on the loop
                    if attempt == RACE_ATTEMPTS:
                        raise
                    continue
                assert positions
                return answer(principal, after, positions[-1])
        raise AssertionError("unreachable")

    async def open_pool() -> None:
        await steps.pool.open()

    async def close_pool() -> None:
        await steps.pool.close()

    app = app_for(lotse)
    app.register(record_step_on_the_loop)
    app.register(record_step_in_a_thread)
    app.on_startup.append(open_pool)
    app.on_shutdown.insert(0, close_pool)
    return app


def api_process() -> Litestar:
    """One of the API processes (uvicorn calls it in each), as infrastructure/cli/serving.py builds Lotse's."""
    return frozen(with_async_steps(bootstrap(replace(Settings.from_environ(), projections="worker"))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.async_steps", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    settings = Settings.from_environ()
    bootstrap(settings).close()  # checks the schema once, as `lotse serve` does before its processes start
    uvicorn.run(
        f"{__name__}:api_process",
        factory=True,
        workers=API_PROCESSES,
        host="127.0.0.1",
        port=args.port,
        log_level="info",
        **uvicorn_options(settings),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
