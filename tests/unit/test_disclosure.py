"""Suppression across everything published (application/disclosure.py), tried by an attacker who works on persons.

The attacker knows nothing of atoms: she holds every visible cell of every report as the set of persons it counts
(this test's own ground truth), and adds and subtracts every combination of up to three cells that name the same
figure — across periods, publications and agencies — and every row's total against its genders. Whenever such a
combination counts exactly a group of 1 to 4 persons, she has learnt a cell under 5.
"""

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.disclosure import MIN_CELL, Release, revealed_counts, suppress_across
from domain.reports import ALL_AGENCIES, MonthlyCounts, period_of

GENDERS = ("female", "male")
CODES = ("EECO02", "EECO12")


@dataclass(frozen=True)
class Person:
    number: int
    agency: str
    month: str  # when she entered
    gender: str
    codes: frozenset[str]


@dataclass(frozen=True)
class Publication:
    scope: str
    period: str
    persons: tuple[Person, ...]  # every person recorded by the time it is published


def cells_of(persons: Sequence[Person]) -> dict[str, frozenset[int]]:
    """Each cell as the set of persons it counts."""
    cells: dict[str, set[int]] = {}
    for code in CODES:
        for gender in (*GENDERS, "total"):
            cells[f"{code}.{gender}"] = {p.number for p in persons if code in p.codes and gender in (p.gender, "total")}
    return {name: frozenset(members) for name, members in cells.items()}


def in_scope(publication: Publication) -> list[Person]:
    months = set(period_of(publication.period).months)
    return [p for p in publication.persons if p.month in months and publication.scope in (ALL_AGENCIES, p.agency)]


def release_of(publication: Publication, shown: frozenset[str] = frozenset()) -> Release:
    period = period_of(publication.period)
    persons = in_scope(publication)
    agencies = (
        sorted({p.agency for p in publication.persons}) if publication.scope == ALL_AGENCIES else [publication.scope]
    )
    counts: MonthlyCounts = {
        agency: {
            month: {
                name: len(members)
                for name, members in cells_of([p for p in persons if p.agency == agency and p.month == month]).items()
            }
            for month in period.months
        }
        for agency in agencies
    }
    relations = tuple((f"{code}.total", tuple(f"{code}.{g}" for g in GENDERS)) for code in CODES)
    return Release(
        scope=publication.scope,
        period=publication.period,
        months=period.months,
        counts=counts,
        whole={},
        cells=tuple(cells_of(persons)),
        shown=shown,
        relations=relations,
    )


def publish_all(
    publications: Sequence[Publication], *, across: bool = True
) -> list[tuple[Publication, frozenset[str]]]:
    """Publishes one after the other; answers each with the cells it shows."""
    released: list[Release] = []
    shown: list[tuple[Publication, frozenset[str]]] = []
    for publication in publications:
        new = release_of(publication)
        if across:
            hidden = suppress_across(released, new)
        else:  # each report suppressed on its own, as the live figures are: what the attacker should beat
            hidden = {cell for cell in new.cells if new.value(cell) < MIN_CELL}
        visible = frozenset(new.cells) - hidden
        released.append(release_of(publication, visible))
        shown.append((publication, visible))
    return shown


def attack(shown: Sequence[tuple[Publication, frozenset[str]]]) -> list[str]:
    """What the attacker learns: combinations that count exactly 1 to 4 persons."""
    visible: list[tuple[str, str, frozenset[int]]] = []  # (figure, where, persons)
    for index, (publication, names) in enumerate(shown):
        cells = cells_of(in_scope(publication))
        visible += [(name, f"#{index} {publication.scope} {publication.period}", cells[name]) for name in sorted(names)]
    found = []
    by_figure: dict[str, list[tuple[str, frozenset[int]]]] = {}
    for figure, where, persons in visible:
        by_figure.setdefault(figure, []).append((where, persons))
    for figure, cells in by_figure.items():
        for size in (1, 2, 3):
            for chosen in itertools.combinations(cells, size):
                for signs in itertools.product((1, -1), repeat=size):
                    if signs[0] != 1:
                        continue
                    group = _counted(zip(signs, (persons for _, persons in chosen), strict=True))
                    if group is not None and 0 < len(group) < MIN_CELL:
                        found.append(f"{figure}: {[w for w, _ in chosen]} {signs} -> {len(group)}")
    # A row's total against its genders, within one report
    for index, (publication, names) in enumerate(shown):
        cells = cells_of(in_scope(publication))
        for code in CODES:
            row = [f"{code}.{g}" for g in (*GENDERS, "total") if f"{code}.{g}" in names]
            for size in (2, 3):
                for chosen in itertools.combinations(row, size):
                    for signs in itertools.product((1, -1), repeat=size):
                        group = _counted(zip(signs, (cells[name] for name in chosen), strict=True))
                        if group is not None and 0 < len(group) < MIN_CELL:
                            found.append(f"#{index} {chosen} {signs} -> {len(group)}")
    return found


def _counted(signed: "itertools.Iterable[tuple[int, frozenset[int]]]") -> set[int] | None:
    """The persons a signed sum of cells counts, if it counts each of them exactly once (else None)."""
    weight: dict[int, int] = {}
    for sign, persons in signed:
        for person in persons:
            weight[person] = weight.get(person, 0) + sign
    if any(w not in (0, 1) for w in weight.values()):
        return None
    return {person for person, w in weight.items() if w == 1}


def people(rng: random.Random, first: int, count: int, months: Sequence[str], agencies: Sequence[str]) -> list[Person]:
    return [
        Person(
            number=first + n,
            agency=rng.choice(agencies),
            month=rng.choice(months),
            gender=rng.choice(GENDERS),
            codes=frozenset(code for code in CODES if code == "EECO02" or rng.random() < 0.3),
        )
        for n in range(count)
    ]


MONTHS_2025 = [f"2025-{m:02d}" for m in range(1, 13)]


def scenario(seed: int) -> list[Publication]:
    rng = random.Random(seed)
    persons = people(rng, 0, 60, MONTHS_2025, ["koeln", "bonn"])
    later = (*persons, *people(rng, 1000, 2, MONTHS_2025, ["koeln"]))  # two clients recorded late
    everyone = tuple(persons)
    return [
        Publication("koeln", "2025", everyone),
        Publication("koeln", "2025-Q1", everyone),
        Publication(ALL_AGENCIES, "2025", everyone),
        Publication("koeln", "2025", later),  # re-published after the late recordings
        Publication("bonn", "2025-Q1", later),
        Publication("koeln", "2025-03", later),
    ]


def test_the_attacker_beats_suppression_report_by_report() -> None:
    """The test's attacker is real: against reports suppressed each on its own she finds persons."""
    assert any(attack(publish_all(scenario(seed), across=False)) for seed in range(3))


def test_the_attacker_learns_no_cell_under_five_from_everything_published() -> None:
    for seed in range(3):
        shown = publish_all(scenario(seed))
        assert attack(shown) == [], seed


def test_the_audit_finds_nothing_revealed_in_what_was_published() -> None:
    shown = publish_all(scenario(7))
    releases = [release_of(publication, names) for publication, names in shown]
    assert revealed_counts(releases) == []


def test_a_re_publication_that_adds_one_person_hides_what_changed() -> None:
    rng = random.Random(11)
    persons = tuple(people(rng, 0, 40, MONTHS_2025, ["koeln"]))
    one_more = (*persons, Person(999, "koeln", "2025-05", "female", frozenset({"EECO02", "EECO12"})))
    shown = publish_all([Publication("koeln", "2025", persons), Publication("koeln", "2025", one_more)])
    first, second = (names for _, names in shown)
    changed = ("EECO02.female", "EECO02.total", "EECO12.female", "EECO12.total")
    assert [cell for cell in changed if cell in first and cell in second] == []  # no difference gives her away
    assert attack(shown) == []


def test_nothing_is_hidden_beyond_need_when_every_count_is_large() -> None:
    persons = tuple(Person(n, "koeln", MONTHS_2025[n % 12], GENDERS[n % 2], frozenset(CODES)) for n in range(400))
    shown = publish_all([Publication("koeln", "2025", persons)])
    assert shown[0][1] == frozenset(cells_of(persons))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    plan=st.lists(
        st.tuples(
            st.sampled_from(["koeln", "bonn", ALL_AGENCIES]),
            st.sampled_from(["2025", "2025-Q1", "2025-Q2", "2025-01", "2025-02", "2025-03"]),
            st.integers(0, 3),  # persons recorded since the publication before
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_whatever_is_published_in_whatever_order_the_attacker_learns_nothing(
    seed: int, plan: list[tuple[str, str, int]]
) -> None:
    rng = random.Random(seed)
    persons: list[Person] = people(rng, 0, 30, MONTHS_2025[:6], ["koeln", "bonn"])
    publications = []
    for scope, period, late in plan:
        persons += people(rng, len(persons) + 1000, late, MONTHS_2025[:6], ["koeln", "bonn"])
        publications.append(Publication(scope, period, tuple(persons)))
    assert attack(publish_all(publications)) == []


def test_a_report_of_an_agency_without_any_count_hides_its_zeros_and_reveals_nothing() -> None:
    empty = Release(
        scope="nowhere",
        period="2025",
        months=period_of("2025").months,
        counts={},
        whole={},
        cells=("EECO02.total",),
        shown=frozenset(),
    )
    everyone = Release(
        scope=ALL_AGENCIES,
        period="2025",
        months=period_of("2025").months,
        counts={},
        whole={},
        cells=("EECO02.total",),
        shown=frozenset(),
    )

    assert suppress_across([], empty) == {"EECO02.total"}
    assert suppress_across([empty], everyone) == {"EECO02.total"}
