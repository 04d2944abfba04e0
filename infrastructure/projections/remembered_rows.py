"""What a runner remembers of the rows it wrote to a view, so that the view need not read them back.

A view that keeps many rows per case (the activity view: a fact per step) otherwise reads all of a case's rows to
find the one or two a step changed. Only a runner knows when its memory is true: once its transaction committed on
top of its own last commit to the view. Another runner's write, a rebuild, or a failed transaction make it forget.
"""

from collections import OrderedDict
from typing import Any

# Rows remembered at most, of the cases written last, whatever the log's size: as the activity view's facts, about
# 130 bytes each (measured with tracemalloc), 7 MB.
REMEMBERED_ROWS = 50_000

Entry = Any  # what a view remembers of one row: what it made the row from (the activity view: the fact)


class RememberedRows:
    """The rows last written for each owner (a case), of the owners written last, up to `limit` rows in all; each
    as the view's entry for it (the activity view: the fact it made the row from).

    A runner writes a view once at a time (the follower, or a catch-up's writer of that view), so one write is
    pending at most.

    A write's rows are believed only once its transaction committed (`committed`); until then the ones before them
    are. Since a view's rows at a position are the same whoever wrote them, the memory stays true as long as the
    view's position is the one this memory's last commit left it at.
    """

    def __init__(self, limit: int = REMEMBERED_ROWS) -> None:
        self._limit = limit
        self._believed: OrderedDict[str, list[Entry]] = OrderedDict()
        self._count = 0
        self._pending: dict[str, list[Entry]] = {}

    def entries_of(self, owner: str) -> list[Entry] | None:
        """The entries of the rows the table holds for the owner, in their order; None if not remembered."""
        return self._believed.get(owner)

    def written(self, entries_of: dict[str, list[Entry]]) -> None:
        """Each owner's entries as the transaction under way leaves its rows."""
        self._pending = entries_of

    def committed(self) -> None:
        for owner, entries in self._pending.items():
            self._count += len(entries) - len(self._believed.pop(owner, ()))
            self._believed[owner] = entries
        self._pending = {}
        while self._count > self._limit:
            _, entries = self._believed.popitem(last=False)
            self._count -= len(entries)

    def forget(self) -> None:
        self._believed.clear()
        self._pending = {}
        self._count = 0
