"""The hash chains: over the event log, one link per event, SHA-256 over its position, case id, version, topic,
stored payload and the previous link, written by the recorders in the event's own transaction; and over the
read-access log, one link per entry, written in the entry's transaction (infrastructure/audit/access_log.py)."""

import hashlib
from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from infrastructure.eventstore.sql import DialectCursor, case_id_of

CHAIN_TABLE = "lotse_chain"
CHAIN_TAG = b"lotse-chain-v1"
ACCESS_CHAIN_TABLE = "lotse_access_chain"
ACCESS_CHAIN_TAG = b"lotse-access-chain-v1"
LEAF_TAG = b"lotse-leaf-v1"
GENESIS = "0" * 64  # the link "before" the first event


class AuditError(Exception):
    """The audit trail cannot do what was asked (a checkpoint over a log that does not verify, a bad key file)."""


# The chain


def _field(value: bytes) -> bytes:
    return len(value).to_bytes(8, "big") + value


def chain_link(previous: str, position: int, case_id: UUID, version: int, topic: str, payload: bytes) -> str:
    """The link of one event: SHA-256 over length-prefixed fields, in hex (the README's "Audit" spells it out)."""
    fields = (
        CHAIN_TAG,
        str(position).encode(),
        str(case_id).encode(),
        str(version).encode(),
        topic.encode(),
        payload,
        bytes.fromhex(previous),
    )
    return hashlib.sha256(b"".join(_field(value) for value in fields)).hexdigest()


def event_leaf(position: int, case_id: UUID, version: int, topic: str, payload: bytes) -> bytes:
    """One event's own digest, without the previous link: what a checkpoint's locator is made of (locator.py)."""
    fields = (LEAF_TAG, str(position).encode(), str(case_id).encode(), str(version).encode(), topic.encode(), payload)
    return hashlib.sha256(b"".join(_field(value) for value in fields)).digest()


def access_link(previous: str, entry_id: int, fields: Sequence[str]) -> str:
    """The link of one read-access log entry: its id and its fields as text, then the previous link.

    The fields are the entry's columns in order (at, subject, role, agency, case_id, case_agency, what, personal_data
    as `1` or `0`), each length-prefixed like the event chain's.
    """
    values = (ACCESS_CHAIN_TAG, str(entry_id).encode(), *(value.encode() for value in fields), bytes.fromhex(previous))
    return hashlib.sha256(b"".join(_field(value) for value in values)).hexdigest()


def last_link_query(chain_table: str) -> str:
    return f"SELECT link FROM {chain_table} ORDER BY position DESC LIMIT 1"


def links_after(previous: str | None, recorded: Sequence[tuple[int, StoredEvent]]) -> list[tuple[int, str]]:
    """The links of newly recorded events, in position order, after the chain's last link (None: an empty chain)."""
    link = previous if previous is not None else GENESIS
    rows: list[tuple[int, str]] = []
    for position, event in sorted(recorded, key=lambda item: item[0]):
        link = chain_link(
            link, position, case_id_of(event.originator_id), event.originator_version, event.topic, event.state
        )
        rows.append((position, link))
    return rows


def inserted_links(chain_table: str, rows: Sequence[tuple[int, str]]) -> str:
    """A statement that inserts the links with their values written out, to go in one query string with others (no
    parameters there). Only values of our own making: integers and SHA-256 digests in hex, never a client's text."""
    values = ", ".join(f"({int(position)}, '{bytes.fromhex(link).hex()}')" for position, link in rows)
    return f"INSERT INTO {chain_table} (position, link) VALUES {values}"


def append_links(cursor: DialectCursor, chain_table: str, recorded: Sequence[tuple[int, StoredEvent]]) -> None:
    """Links newly recorded events to the chain; called inside their transaction, while no other writer can record."""
    cursor.execute(last_link_query(chain_table))
    row = cursor.fetchone()
    rows = links_after(row[0] if row is not None else None, recorded)
    for start in range(0, len(rows), 500):  # one statement per 500 links: one round trip, few parameters
        batch = rows[start : start + 500]
        values = ", ".join("(?, ?)" for _ in batch)
        cursor.execute(f"INSERT INTO {chain_table} (position, link) VALUES {values}", [v for r in batch for v in r])
