"""Suppression that holds across everything published: no sum or difference of published cells reveals a count
under MIN_CELL (API.md, "published reports — what analysts read").

A cell of a report is a sum of unknowns the analyst cannot see, the *atoms*:
- for a count that adds up over months and agencies (persons counted on one day, sessions, referrals, …): one atom per
  cell, agency, month and publication that covered that month — the first such publication's count, then each later
  one's change since the one before (a re-publication of a period adds what was recorded meanwhile);
- for a count that does not (persons or employers counted once in the whole period): one atom per cell, agency scope,
  period and publication of exactly that period, again the first count and then the changes.
The analyst also knows how cells relate (a total is the sum of its genders, the labour statuses add up to all
participants, …): those relations are linear equations over the atoms too. And she may guess that nobody was counted
somewhere, or that a re-publication changed nothing, and be right: an atom that is zero counts as known.

Whatever she computes from the published cells is a linear combination of them, so she learns a quantity exactly when
its vector over the atoms lies in the span of the visible cells' vectors and the relations. The quantities protected
are every count that anything published could name: each cell of each agency and of all agencies together, for every
month, quarter and year the publications cover, as of each publication and as the change between two publications.
One of them with 1 to 4 persons (or events) that lies in that span is revealed; a publication hides cells until none
is: first those under MIN_CELL (primary suppression, as the live figures do), then, while a protected count is still
revealed, the smallest visible cell of the new publication whose hiding ends that (secondary suppression). Earlier
publications never change, and hiding all of the new one's cells leaves what was safe before, so this ends.

The arithmetic is exact (integer elimination, without fractions); the work is split into the independent groups of
atoms that no cell or relation connects.
"""

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from domain.reports import ALL_AGENCIES, MonthlyCounts

MIN_CELL = 5
MAX_BLOCKS = 6  # beyond this many blocks of agencies' months, not every union of them is audited

Atom = tuple[str, str, str, str, int]  # (kind "m" or "w", cell, agency or scope, month or period, publication)
Vector = dict[Atom, int]
Relation = tuple[str, tuple[str, ...]]  # a cell that is the sum of others


@dataclass(frozen=True)
class Release:
    """A publication as the audit sees it. `counts`: agency → month → cell → count, for the cells that add up over
    months and agencies; `whole`: the whole period's counts of the others; `shown`: the cells analysts see."""

    scope: str
    period: str
    months: tuple[str, ...]
    counts: MonthlyCounts
    whole: dict[str, int]
    cells: tuple[str, ...]
    shown: frozenset[str]
    relations: tuple[Relation, ...] = ()

    @property
    def agencies(self) -> tuple[str, ...]:
        return tuple(sorted(self.counts)) if self.scope == ALL_AGENCIES else (self.scope,)

    def value(self, cell: str) -> int:
        if cell in self.whole:
            return self.whole[cell]
        return sum(by_cell.get(cell, 0) for by_month in self.counts.values() for by_cell in by_month.values())


def suppress_across(earlier: Sequence[Release], new: Release, minimum: int = MIN_CELL) -> set[str]:
    """The cells of `new` to hide so that, with everything in `earlier` as published, no count under `minimum` is
    revealed (see the module's description)."""
    hidden = {cell for cell in new.cells if new.value(cell) < minimum}
    audit = _Audit([*earlier, replace(new, shown=frozenset(new.cells) - hidden)], minimum, new=True)
    # Hiding a cell only shrinks what can be derived: a count found safe stays safe, so one pass over them suffices.
    for _, count in audit.protected():
        while audit.in_span(count):
            visible = audit.visible_new_cells(count)
            if not visible:  # cannot happen while `earlier` was safe; hide everything new rather than reveal
                return set(new.cells)
            visible.sort(key=lambda cell: (new.value(cell), cell))
            choice = next((cell for cell in visible if not audit.in_span(count, without=cell)), visible[0])
            audit.hide(choice)
            hidden.add(choice)
    return hidden


def revealed_counts(releases: Sequence[Release], minimum: int = MIN_CELL) -> list[str]:
    """The protected counts (described) that the releases as published reveal: none, if suppression held."""
    audit = _Audit(list(releases), minimum)
    return [name for name, vector in audit.protected() if audit.in_span(vector)]


class _Audit:
    def __init__(self, releases: list[Release], minimum: int, *, new: bool = False) -> None:
        self.releases = releases
        self.new = new
        self.minimum = minimum
        self.cover: dict[tuple[str, str], list[int]] = defaultdict(list)  # (agency, month) → publications
        self.chains: dict[tuple[str, str], list[int]] = defaultdict(list)  # (scope, period) → publications
        for index, release in enumerate(releases):
            for agency in release.agencies:
                for month in release.months:
                    self.cover[(agency, month)].append(index)
            if release.whole:
                self.chains[(release.scope, release.period)].append(index)
        # What the analyst knows already (the relations, the cells published before) and, with `new`, the last
        # release's cells, which may still be hidden.
        last = len(releases) - 1
        fixed = [*self._constraints(), *self._shown_vectors(releases[:last] if new else releases)]
        cells = releases[last].cells if new else ()
        # A cell over no atom at all (a report of agencies without any count) says nothing: it joins no group.
        self._new: dict[str, Vector] = {cell: vector for cell in cells if (vector := self.cell_vector(last, cell))}
        self._visible = set(releases[last].shown) & set(self._new)
        self._group = _Groups()
        fixed = [vector for vector in fixed if vector]
        for vector in [*fixed, *self._new.values()]:
            self._group.join(vector)
        self._group_of_atom = self._group.freeze()
        self._fixed: dict[int, list[Vector]] = defaultdict(list)
        for vector in fixed:
            self._fixed[self._group_of(vector)].append(vector)
        self._fixed_basis: dict[int, _Basis] = {}
        self._basis: dict[int, _Basis] = {}

    # What the analyst sees and knows

    def cell_vector(self, index: int, cell: str) -> Vector:
        release = self.releases[index]
        if cell in release.whole:
            chain = self.chains[(release.scope, release.period)]
            return {("w", cell, release.scope, release.period, e): 1 for e in chain if e <= index}
        return {
            ("m", cell, agency, month, e): 1
            for agency in release.agencies
            for month in release.months
            for e in self.cover[(agency, month)]
            if e <= index
        }

    def _shown_vectors(self, releases: Sequence[Release]) -> Iterator[Vector]:
        for index, release in enumerate(releases):
            for cell in sorted(release.shown):
                yield self.cell_vector(index, cell)

    def _constraints(self) -> Iterator[Vector]:
        yield from self._unchanged()
        for index, release in enumerate(self.releases):
            for total, parts in release.relations:
                if total in release.whole:
                    yield _relation(("w", release.scope, release.period, index), total, parts)
                else:
                    for agency in release.agencies:
                        for month in release.months:
                            yield _relation(("m", agency, month, index), total, parts)

    def _unchanged(self) -> Iterator[Vector]:
        """Atoms that are nothing: an analyst may guess that nobody was counted, or that a re-publication changed
        nothing, and be right."""
        cells = sorted({cell for release in self.releases for cell in release.cells if cell not in release.whole})
        for (agency, month), publications in self.cover.items():
            for epoch in publications:
                for cell in cells:
                    atom: Atom = ("m", cell, agency, month, epoch)
                    if self._delta(atom) == 0:
                        yield {atom: 1}
        for (scope, period), chain in self.chains.items():
            for position, epoch in enumerate(chain):
                before = self.releases[chain[position - 1]].whole if position else {}
                for cell, value in self.releases[epoch].whole.items():
                    if value == before.get(cell, 0):
                        yield {("w", cell, scope, period, epoch): 1}

    # What is protected

    def protected(self) -> Iterator[tuple[str, Vector]]:
        """Every count under the minimum (1 or more) that the publications could name, and its vector."""
        yield from self._monthly_protected()
        yield from self._whole_protected()

    def _monthly_protected(self) -> Iterator[tuple[str, Vector]]:
        cells = sorted({cell for r in self.releases for cell in r.cells if cell not in r.whole})
        # Months where nothing was ever counted add nothing to any count (their atoms are known zeros), and with a new
        # release only the years it covers can change what is derivable (no cell or relation spans two years).
        counted = {
            key for key in self.cover if any(self._count_at(cell, key, e) for e in self.cover[key] for cell in cells)
        }
        years = {month[:4] for month in self.releases[-1].months} if self.new else None
        covers = [
            {
                (agency, month)
                for agency in r.agencies
                for month in r.months
                if (agency, month) in counted and (years is None or month[:4] in years)
            }
            for r in self.releases
        ]
        for keys in _key_unions([cover for cover in covers if cover]):
            epochs = sorted({e for key in keys for e in self.cover[key]})
            where = _describe(keys)
            for cell in cells:
                yield from self._epoch_counts(f"{cell} of {where}", cell, keys, epochs)

    def _epoch_counts(
        self, name: str, cell: str, keys: list[tuple[str, str]], epochs: list[int]
    ) -> Iterator[tuple[str, Vector]]:
        """The count as of each publication, and its change between any two."""
        at = {epoch: sum(self._count_at(cell, key, epoch) for key in keys) for epoch in epochs}
        spans = [(-1, epoch, f"as of publication {epoch}") for epoch in epochs]
        spans += [(a, b, f"changed from publication {a} to {b}") for a, b in itertools.combinations(epochs, 2)]
        for after, upto, label in spans:
            value = at[upto] - (at[after] if after >= 0 else 0)
            if 0 < abs(value) < self.minimum:
                atoms = [
                    ("m", cell, agency, month, e)
                    for agency, month in keys
                    for e in self.cover[(agency, month)]
                    if after < e <= upto
                ]
                yield f"{name} {label}: {value}", dict.fromkeys(atoms, 1)

    def _count_at(self, cell: str, key: tuple[str, str], epoch: int) -> int:
        """The count of the agency and month in the latest publication up to `epoch` that covered it."""
        latest = [e for e in self.cover[key] if e <= epoch]
        if not latest:
            return 0
        agency, month = key
        return self.releases[latest[-1]].counts.get(agency, {}).get(month, {}).get(cell, 0)

    def _whole_protected(self) -> Iterator[tuple[str, Vector]]:
        for (scope, period), chain in self.chains.items():
            cells = sorted({cell for e in chain for cell in self.releases[e].whole})
            for cell in cells:
                before: int | None = None
                for epoch in chain:
                    value = self.releases[epoch].whole.get(cell, 0)
                    change = value - (self.releases[before].whole.get(cell, 0) if before is not None else 0)
                    atoms_now = {("w", cell, scope, period, e): 1 for e in chain if e <= epoch}
                    if 0 < abs(value) < self.minimum:
                        yield f"{cell} of {scope} in {period} as of publication {epoch}: {value}", atoms_now
                    if before is not None and 0 < abs(change) < self.minimum:
                        atom = ("w", cell, scope, period, epoch)
                        yield (
                            f"{cell} of {scope} in {period} changed by publication {epoch}: {change}",
                            {atom: 1},
                        )
                    before = epoch

    def _delta(self, atom: Atom) -> int:
        _, cell, agency, month, epoch = atom
        publications = self.cover[(agency, month)]
        position = publications.index(epoch)
        now = self.releases[epoch].counts.get(agency, {}).get(month, {}).get(cell, 0)
        if position == 0:
            return now
        earlier = self.releases[publications[position - 1]]
        return now - earlier.counts.get(agency, {}).get(month, {}).get(cell, 0)

    # Linear algebra

    def in_span(self, vector: Vector, without: str | None = None) -> bool:
        """Whether the analyst can compute the vector's count (had the new release not shown the cell `without`)."""
        parts: dict[int, Vector] = defaultdict(dict)
        for atom, coefficient in vector.items():
            group = self._group_of_atom.get(atom)
            if group is None:  # an atom no cell or relation holds: nothing derives it
                return False
            parts[group][atom] = coefficient
        for group, part in parts.items():
            basis = self._basis_of(group) if without is None else self._basis_without(group, without)
            if not basis.contains(part):
                return False
        return True

    def visible_new_cells(self, vector: Vector) -> list[str]:
        """The new release's visible cells that share a group of atoms with the vector."""
        groups = {self._group_of_atom.get(atom) for atom in vector}
        return [cell for cell in sorted(self._visible) if self._group_of(self._new[cell]) in groups]

    def hide(self, cell: str) -> None:
        self._visible.discard(cell)
        self._basis.pop(self._group_of(self._new[cell]), None)

    def _group_of(self, vector: Vector) -> int:
        return self._group_of_atom[next(iter(vector))]

    def _fixed_basis_of(self, group: int) -> "_Basis":
        if group not in self._fixed_basis:
            self._fixed_basis[group] = _Basis(self._fixed.get(group, ()))
        return self._fixed_basis[group]

    def _basis_of(self, group: int) -> "_Basis":
        if group not in self._basis:
            self._basis[group] = self._basis_without(group, None)
        return self._basis[group]

    def _basis_without(self, group: int, left_out: str | None) -> "_Basis":
        basis = self._fixed_basis_of(group).copy()
        for cell in sorted(self._visible):
            if cell != left_out and self._group_of(self._new[cell]) == group:
                basis.add(self._new[cell])
        return basis


def _relation(where: tuple[str, str, str, int], total: str, parts: Iterable[str]) -> Vector:
    kind, agency, month, index = where
    vector: Vector = {(kind, total, agency, month, index): 1}
    for part in parts:
        atom = (kind, part, agency, month, index)
        vector[atom] = vector.get(atom, 0) - 1
    return {atom: c for atom, c in vector.items() if c}


def _key_unions(covers: Sequence[set[tuple[str, str]]]) -> list[list[tuple[str, str]]]:
    """The groups of (agency, month) whose counts the analyst can set against one another.

    The publications' coverages cut the keys into blocks; a sum or difference of published cells covers a union of
    blocks. Up to MAX_BLOCKS blocks, every union is audited. Beyond, the unions a sum or difference of up to three
    cells can cover: every coverage, block and pair of blocks, and each coverage less any coverage, block or pair
    of blocks inside it.
    """
    every = frozenset().union(*covers) if covers else frozenset()
    blocks = [every] if every else []
    for cover in covers:
        blocks = [part for block in blocks for part in (block & cover, block - cover) if part]
    if len(blocks) <= MAX_BLOCKS:
        chosen = [
            frozenset().union(*group)
            for size in range(1, len(blocks) + 1)
            for group in itertools.combinations(blocks, size)
        ]
    else:
        coverages = list(dict.fromkeys(frozenset(cover) for cover in covers))
        parts = [*coverages, *(frozenset().union(*g) for n in (1, 2) for g in itertools.combinations(blocks, n))]
        chosen = [*parts, *(cover - part for cover in coverages for part in parts if part < cover)]
    return [sorted(union) for union in dict.fromkeys(chosen)]


def _describe(keys: Sequence[tuple[str, str]]) -> str:
    by_agency: dict[str, list[str]] = defaultdict(list)
    for agency, month in keys:
        by_agency[agency].append(month)
    return "; ".join(
        f"{agency} {months[0]}…{months[-1]} ({len(months)} months)" if len(months) > 1 else f"{agency} {months[0]}"
        for agency, months in sorted(by_agency.items())
    )


class _Groups:
    """Union-find over atoms: the atoms that some vector ties together."""

    def __init__(self) -> None:
        self._parent: dict[Atom, Atom] = {}
        self._ids: dict[Atom, int] = {}

    def _root(self, atom: Atom) -> Atom:
        self._parent.setdefault(atom, atom)
        while self._parent[atom] != atom:
            self._parent[atom] = self._parent[self._parent[atom]]
            atom = self._parent[atom]
        return atom

    def join(self, vector: Vector) -> None:
        atoms = iter(vector)
        first = self._root(next(atoms))
        for atom in atoms:
            root = self._root(atom)
            if root != first:
                self._parent[root] = first

    def find(self, atom: Atom) -> int:
        return self._ids.setdefault(self._root(atom), len(self._ids))

    def freeze(self) -> dict[Atom, int]:
        """Every atom joined so far, with the number of its group."""
        return {atom: self.find(atom) for atom in list(self._parent)}


class _Basis:
    """Integer rows in reduced echelon form (fraction-free, so exact): each has a pivot atom no other row holds."""

    def __init__(self, vectors: Iterable[Vector]) -> None:
        self.rows: dict[Atom, Vector] = {}
        for vector in vectors:
            self.add(vector)

    def reduce(self, vector: Vector) -> Vector:
        rest = dict(vector)
        for pivot in [atom for atom in rest if atom in self.rows]:
            _eliminate(rest, pivot, self.rows[pivot])
        return rest

    def add(self, vector: Vector) -> None:
        rest = self.reduce(vector)
        if not rest:
            return
        pivot = min(rest)
        if rest[pivot] < 0:
            rest = {atom: -coefficient for atom, coefficient in rest.items()}
        for other in self.rows.values():
            if pivot in other:
                _eliminate(other, pivot, rest)
        self.rows[pivot] = rest

    def copy(self) -> "_Basis":
        copied = _Basis(())
        copied.rows = {pivot: dict(row) for pivot, row in self.rows.items()}
        return copied

    def contains(self, vector: Vector) -> bool:
        return not self.reduce(vector)


def _eliminate(vector: Vector, pivot: Atom, row: Vector) -> None:
    """Makes the vector's coefficient at the row's pivot zero, in place: vector·b − row·a, divided by the gcd."""
    a, b = vector[pivot], row[pivot]
    if b != 1:
        for atom in vector:
            vector[atom] *= b
    for atom, coefficient in row.items():
        value = vector.get(atom, 0) - a * coefficient
        if value:
            vector[atom] = value
        else:
            vector.pop(atom, None)
    divisor = math.gcd(*vector.values()) if vector else 1
    if divisor > 1:
        for atom in vector:
            vector[atom] //= divisor
