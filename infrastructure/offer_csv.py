"""Reading a provider's list of offers from CSV: one offer a row, the fields of `POST /offers` as columns.

The first row names the columns (any order, case and surrounding spaces ignored): `provider`, `title`, `kind`,
`occupations`, `kldb`, `postal_code`, `city`, `starts_on`, `ends_on`, `schedule`, `language`, `funding`, `seats`,
`contact`, `url`, `provider_course_id`. The optional ones (`kldb`, `seats`, `url`, `provider_course_id`) may be left
out or empty. The list fields (`occupations`, `funding`) separate their items with `;`. The file is UTF-8, with or
without a byte order mark; cells are separated by `,` or `;`, whichever the header uses more (a list cell in a
`;`-separated file is quoted). Dates are ISO (2026-09-01).
"""

import csv
import io
from dataclasses import dataclass
from typing import Any

from application.offer_import import Row, RowError
from domain.offers import OFFER_FIELDS

LIST_FIELDS = ("occupations", "funding")
OPTIONAL_FIELDS = ("kldb", "seats", "url", "provider_course_id")
REQUIRED_FIELDS = tuple(name for name in OFFER_FIELDS if name not in OPTIONAL_FIELDS)


@dataclass(frozen=True)
class Sheet:
    rows: list[Row]
    errors: list[RowError]


def read_offers(data: bytes) -> Sheet:
    """The rows of a CSV file, or what makes it unreadable as a list of offers (every line's error, at once)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Sheet([], [RowError(line, None, f"not UTF-8 (byte {error.start + 1} of the file)")])
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return Sheet([], [RowError(1, None, "the file is empty: the first line names the columns")])
    except csv.Error as error:
        return Sheet([], [RowError(1, None, f"not CSV: {error}")])
    columns = [name.strip().casefold() for name in header]
    errors = _header_errors(columns)
    if errors:
        return Sheet([], errors)
    rows: list[Row] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(RowError(line, None, f"not CSV: {error}"))
            break
        if any(cell.strip() for cell in cells):
            if len(cells) != len(columns):
                errors.append(RowError(line, None, f"has {len(cells)} cells, the header names {len(columns)} columns"))
            else:
                rows.append(Row(line, _fields(columns, cells)))
        line = reader.line_num + 1
    return Sheet(rows, errors)


def _header_errors(columns: list[str]) -> list[RowError]:
    errors = [
        RowError(1, name or None, "unknown column" if name else "a column without a name")
        for name in columns
        if name not in OFFER_FIELDS
    ]
    errors += [RowError(1, name, "named twice") for name in sorted(set(columns)) if columns.count(name) > 1 and name]
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        errors.append(RowError(1, None, f"missing required column(s): {', '.join(missing)}"))
    return errors


def _fields(columns: list[str], cells: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, cell in zip(columns, cells, strict=True):
        value = cell.strip()
        if name in LIST_FIELDS:
            fields[name] = [item.strip() for item in value.split(";") if item.strip()]
        elif value:
            fields[name] = value
    return fields
