"""What a runner remembers of the rows it wrote to a view, so that the view need not read them back.

A view that keeps many rows per case (the activity view: a fact per step) otherwise reads all of a case's rows to
find the one or two a step changed. Only a runner knows when its memory is true: once its transaction committed on
top of its own last commit to the view. Another runner's write, a rebuild, or a failed transaction make it forget.
"""

from collections import OrderedDict
from typing import Any

# Rows remembered at most, of the cases written last: a few megabytes, whatever the log's size.
REMEMBERED_ROWS = 50_000

Row = tuple[Any, ...]


class RememberedRows:
    """The rows last written for each owner (a case), of the owners written last, up to `limit` rows in all.

    A write's rows are believed only once its transaction committed (`committed`); until then the ones before them
    are. Since a view's rows at a position are the same whoever wrote them, the memory stays true as long as the
    view's position is the one this memory's last commit left it at.
    """

    def __init__(self, limit: int = REMEMBERED_ROWS) -> None:
        self._limit = limit
        self._believed: OrderedDict[str, list[Row]] = OrderedDict()
        self._count = 0
        self._pending: dict[str, list[Row]] = {}

    def known(self, owners: list[str]) -> dict[str, list[Row]]:
        """The rows the table holds for those of the `owners` remembered."""
        return {owner: self._believed[owner] for owner in owners if owner in self._believed}

    def written(self, rows_of: dict[str, list[Row]]) -> None:
        """Each owner's rows as the transaction under way leaves them."""
        self._pending = rows_of

    def committed(self) -> None:
        for owner, rows in self._pending.items():
            self._count += len(rows) - len(self._believed.pop(owner, ()))
            self._believed[owner] = rows
        self._pending = {}
        while self._count > self._limit:
            _, rows = self._believed.popitem(last=False)
            self._count -= len(rows)

    def forget(self) -> None:
        self._believed.clear()
        self._pending = {}
        self._count = 0
