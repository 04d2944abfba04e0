"""Loading a provider's list of offers into an agency's catalogue: all of it, or nothing.

Every row is checked as `POST /offers` checks a body (domain/offers.py) before anything is written; a list with any bad
row loads nothing and names each bad row's line and reason. A good list is written in one transaction.

A row is the same offer as an earlier import's when its key is: the agency, the provider and the provider's own course
id (`provider_course_id`), or without one the title and the start; provider and title compare with case and spacing
folded. The offer's id is derived from that key, so loading the same list again finds every offer and records
nothing, and a row that says something new records one change of that offer (its history keeps the old values).
Offers withdrawn since are left alone (a row cannot bring one back; the report names them).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, get_args
from uuid import UUID

import msgspec

from application.errors import EntryNotFound
from application.registers import RegisterService
from domain.errors import DomainError
from domain.offers import OFFERS, Change, Creation, NewOffer, Offer, OfferChanges, Schedule, check, differs
from domain.registers import Register
from domain.vocabulary import CourseKind, Funding

CHOICES = {
    "kind": ", ".join(get_args(CourseKind)),
    "schedule": ", ".join(get_args(Schedule)),
    "funding": ", ".join(get_args(Funding)),
}
# Fixed forever: the ids of imported offers are derived under it.
IMPORTED_OFFERS = UUID("7f0d1c1e-5a8b-4a43-9d0e-6f1b1f3c0a11")


@dataclass(frozen=True)
class Row:
    """One offer of the list: the line it starts on, and its fields as read (lists already split)."""

    line: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field + ': ' if self.field else ''}{self.reason}"


@dataclass
class ImportReport:
    """What a list did, or why it did nothing (`errors`: every bad row's line and reason)."""

    rows: int = 0
    created: list[UUID] = field(default_factory=list)
    changed: list[UUID] = field(default_factory=list)
    unchanged: list[UUID] = field(default_factory=list)
    withdrawn: list[tuple[int, UUID]] = field(default_factory=list)  # (line, offer) left alone
    errors: list[RowError] = field(default_factory=list)
    position: int | None = None  # the log position of the last event written


def offer_id_for(agency: str, offer: NewOffer) -> UUID:
    """The id of the offer a row lists, derived from its key (see the module's doc)."""
    provider = _folded(offer.provider)
    key = (
        ("course", offer.provider_course_id)
        if offer.provider_course_id is not None
        else ("title", _folded(offer.title), offer.starts_on.isoformat())
    )
    return uuid.uuid5(IMPORTED_OFFERS, "\x1f".join((agency, provider, *key)))


def import_offers(
    registers: RegisterService, agency: str, rows: Sequence[Row], recorded_by: str, *, dry_run: bool = False
) -> ImportReport:
    """Checks every row, then records the new and changed offers in one transaction (or nothing, on any error).

    `dry_run`: checks and reports what the list would do, and records nothing."""
    report = ImportReport(rows=len(rows))
    listed = _checked_rows(agency, rows, report)
    if report.errors:
        return report
    decisions: list[tuple[UUID, Offer | None, Creation | Change]] = []
    for line, offer_id, offer in listed:
        current = _current(registers, OFFERS, offer_id, agency)
        if current is None:
            decisions.append((offer_id, None, Creation(agency, offer)))
            report.created.append(offer_id)
        elif current.status == "withdrawn":
            report.withdrawn.append((line, offer_id))
        elif differs(current, offer):
            decisions.append((offer_id, current, Change(OfferChanges(**msgspec.structs.asdict(offer)))))
            report.changed.append(offer_id)
        else:
            report.unchanged.append(offer_id)
    if dry_run:
        return report
    written = registers.record_all(OFFERS, decisions, recorded_by=recorded_by)
    report.position = written[-1].position if written else None
    return report


def _checked_rows(agency: str, rows: Sequence[Row], report: ImportReport) -> list[tuple[int, UUID, NewOffer]]:
    """The rows as offers with their ids; each bad row's line and reason go to the report's errors."""
    listed: list[tuple[int, UUID, NewOffer]] = []
    first_line: dict[UUID, int] = {}
    for row in rows:
        try:
            offer = msgspec.convert(row.fields, NewOffer, strict=False)
            check(offer)
        except msgspec.ValidationError as error:
            report.errors.append(_validation_error(row.line, row.fields, error))
            continue
        except DomainError as error:
            report.errors.append(RowError(row.line, error.field, f"{error.detail} ({error.rule})"))
            continue
        offer_id = offer_id_for(agency, offer)
        if offer_id in first_line:
            reason = f"the same offer as line {first_line[offer_id]} (same provider and course id, or title and start)"
            report.errors.append(RowError(row.line, None, reason))
            continue
        first_line[offer_id] = row.line
        listed.append((row.line, offer_id, offer))
    return listed


def _current(registers: RegisterService, register: Register[Offer], offer_id: UUID, agency: str) -> Offer | None:
    try:
        return registers.get(register, offer_id, agency=agency)
    except EntryNotFound:
        return None


def _validation_error(line: int, fields: dict[str, Any], error: msgspec.ValidationError) -> RowError:
    """msgspec says `Expected …, got … - at `$.field[0]``: the field first, as the API's problem details name it."""
    message = str(error)
    reason, found, path = message.rpartition(" - at `$.")
    if not found:
        missing = message.removeprefix("Object missing required field `").removesuffix("`")
        if missing != message:
            return RowError(line, missing, "missing (a required column is empty or absent)")
        unknown = message.removeprefix("Object contains unknown field `").removesuffix("`")
        if unknown != message:
            return RowError(line, unknown, "unknown column")
        return RowError(line, None, message)
    name = path.rstrip("`").split("[")[0]
    if reason.startswith("Invalid enum value") and name in CHOICES:
        return RowError(line, name, f"{reason.removeprefix('Invalid enum value ')} is not one of {CHOICES[name]}")
    return RowError(line, name, f"{reason}, got {fields[name]!r}" if name in fields else reason)


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())
