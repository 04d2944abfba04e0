"""A checkpoint's locator: which events differ from those the checkpoint signed, found from the checkpoint alone.

The chain's head says only *that* the log up to a position differs from what was signed: someone who changes an
event and recomputes every later link (as the database's owner can) leaves a chain that agrees with itself, and only
the checkpoint's head disagrees. The locator is what else a checkpoint carries: an invertible Bloom lookup table over
the events' leaves (each event's own digest, `chain.event_leaf`). Subtracting the table of the log as it is now from
the signed one leaves exactly the events that differ, changed, removed or inserted, so verification names the first
of them. One changed, removed or inserted event always decodes; ten of them in about 199 cases of 200, twenty in 99
of 100 (measured: every changed event is two entries, the signed leaf and the current one). When the table does not
decode, verification reports the checkpoint's position, as it did before there were locators.

A table has CELLS cells in three parts of PART cells; each entry goes into one cell of each part, chosen by its leaf
(4,320 bytes in all, 8,640 hex digits in a checkpoint). A cell holds how many entries it has and the XOR of their
positions, of their leaves and of their check values: a cell left with one entry after the subtraction names it, and
the check value tells such a cell from a mixture.
"""

import hashlib
from collections.abc import Iterator

PART = 40
CELLS = 3 * PART
_CHECK_TAG = b"lotse-locator-check-v1"
_LEAF_BYTES = 16  # of the leaf's 32: they only tell entries apart and choose cells (detection is the chain's)
_CELL_BYTES = 4 + 8 + _LEAF_BYTES + 8  # count (signed), position, leaf, check
ENCODED_LENGTH = 2 * CELLS * _CELL_BYTES  # hex digits


class Locator:
    """An invertible Bloom lookup table over (position, leaf) entries."""

    def __init__(self) -> None:
        self.counts = [0] * CELLS
        self.positions = [0] * CELLS
        self.leaves = [0] * CELLS
        self.checks = [0] * CELLS

    def add(self, position: int, leaf: bytes) -> None:
        self._toggle(position, int.from_bytes(leaf[:_LEAF_BYTES], "big"), 1)

    def encode(self) -> str:
        return b"".join(
            count.to_bytes(4, "big", signed=True)
            + position.to_bytes(8, "big")
            + leaf.to_bytes(_LEAF_BYTES, "big")
            + check.to_bytes(8, "big")
            for count, position, leaf, check in zip(self.counts, self.positions, self.leaves, self.checks, strict=True)
        ).hex()

    @classmethod
    def decode(cls, encoded: str) -> "Locator":
        raw = bytes.fromhex(encoded)
        if len(raw) != CELLS * _CELL_BYTES:
            raise ValueError("not a locator")
        locator = cls()
        for cell in range(CELLS):
            chunk = raw[cell * _CELL_BYTES : (cell + 1) * _CELL_BYTES]
            locator.counts[cell] = int.from_bytes(chunk[:4], "big", signed=True)
            locator.positions[cell] = int.from_bytes(chunk[4:12], "big")
            locator.leaves[cell] = int.from_bytes(chunk[12 : 12 + _LEAF_BYTES], "big")
            locator.checks[cell] = int.from_bytes(chunk[12 + _LEAF_BYTES :], "big")
        return locator

    def differing_positions(self, current: "Locator") -> list[tuple[int, str]] | None:
        """The positions whose events differ between this (signed) table and `current`, in order, each with how:
        `changed`, `removed` (signed, not there now) or `inserted` (there now, not signed); None when too many differ
        to tell them apart."""
        difference = Locator()
        for cell in range(CELLS):
            difference.counts[cell] = self.counts[cell] - current.counts[cell]
            difference.positions[cell] = self.positions[cell] ^ current.positions[cell]
            difference.leaves[cell] = self.leaves[cell] ^ current.leaves[cell]
            difference.checks[cell] = self.checks[cell] ^ current.checks[cell]
        signed: set[int] = set()
        present: set[int] = set()
        progress = True
        while progress:
            progress = False
            for cell in range(CELLS):
                if (entry := difference._single_entry(cell)) is not None:
                    sign, position, leaf = entry
                    difference._toggle(position, leaf, -sign)
                    (signed if sign > 0 else present).add(position)
                    progress = True
        if any(difference.counts) or any(difference.positions) or any(difference.leaves) or any(difference.checks):
            return None
        kinds = {"changed": signed & present, "removed": signed - present, "inserted": present - signed}
        return sorted((position, kind) for kind, positions in kinds.items() for position in positions)

    def _single_entry(self, cell: int) -> tuple[int, int, int] | None:
        count, position, leaf = self.counts[cell], self.positions[cell], self.leaves[cell]
        if count not in (1, -1) or self.checks[cell] != _check(position, leaf) or cell not in _cells(leaf):
            return None
        return count, position, leaf

    def _toggle(self, position: int, leaf: int, sign: int) -> None:
        check = _check(position, leaf)
        for cell in _cells(leaf):
            self.counts[cell] += sign
            self.positions[cell] ^= position
            self.leaves[cell] ^= leaf
            self.checks[cell] ^= check


def _cells(leaf: int) -> Iterator[int]:
    """One cell in each part, chosen by the leaf (a SHA-256 digest: its bits are as good as random)."""
    for part in range(3):
        yield part * PART + ((leaf >> (40 * part)) & 0xFFFFFFFFFF) % PART


def _check(position: int, leaf: int) -> int:
    digest = hashlib.sha256(_CHECK_TAG + position.to_bytes(8, "big") + leaf.to_bytes(_LEAF_BYTES, "big")).digest()
    return int.from_bytes(digest[:8], "big")
