"""A checkpoint's locator (infrastructure/audit/locator.py): subtracting the table of the log as it is now from the
signed one names exactly the events that were changed, removed or inserted, for any log and any few such events; a
difference too large to tell apart is said to be so, never answered wrongly."""

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from infrastructure.audit.locator import ENCODED_LENGTH, Locator

DETERMINISTIC = settings(max_examples=150, deadline=None, database=None, derandomize=True)


def leaf(position: int, version: int = 0) -> bytes:
    return hashlib.sha256(f"{position}/{version}".encode()).digest()


def table(leaves: dict[int, bytes]) -> Locator:
    locator = Locator()
    for position, digest in leaves.items():
        locator.add(position, digest)
    return locator


@st.composite
def tampered_logs(draw: st.DrawFn) -> tuple[dict[int, bytes], dict[int, bytes], list[tuple[int, str]]]:
    """A log (positions with gaps, as PostgreSQL's may have), the same log tampered with, and what was done."""
    positions = sorted(draw(st.sets(st.integers(1, 5_000), min_size=1, max_size=300)))
    signed = {position: leaf(position) for position in positions}
    current = dict(signed)
    kinds = draw(st.lists(st.sampled_from(["changed", "removed", "inserted"]), min_size=1, max_size=8))
    done: dict[int, str] = {}
    for kind in kinds:
        if kind == "inserted":
            position = draw(st.integers(1, 6_000).filter(lambda p: p not in signed and p not in done))
            current[position] = leaf(position, 1)
        else:
            candidates = [p for p in positions if p not in done]
            if not candidates:
                continue
            position = draw(st.sampled_from(candidates))
            if kind == "changed":
                current[position] = leaf(position, 1)
            else:
                del current[position]
        done[position] = kind
    return signed, current, sorted(done.items())


@DETERMINISTIC
@given(tampered_logs())
def test_the_events_that_differ_are_named_exactly(
    log: tuple[dict[int, bytes], dict[int, bytes], list[tuple[int, str]]],
) -> None:
    signed, current, done = log

    assert table(signed).differing_positions(table(current)) == done


def test_an_untouched_log_differs_nowhere_and_the_table_survives_its_encoding() -> None:
    signed = table({position: leaf(position) for position in range(1, 1_000)})
    encoded = signed.encode()

    assert len(encoded) == ENCODED_LENGTH
    assert Locator.decode(encoded).differing_positions(signed) == []


def test_too_many_differences_are_said_to_be_too_many() -> None:
    signed = {position: leaf(position) for position in range(1, 2_000)}
    rewritten = {position: leaf(position, 1) for position in range(1, 2_000)}  # every event, as a shifted log

    assert table(signed).differing_positions(table(rewritten)) is None
