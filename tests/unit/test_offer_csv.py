"""Reading a provider's CSV list (infrastructure/offer_csv.py) and finding the postal code in an address: no I/O."""

import pytest

from application.offers import _postal_code_in
from infrastructure.offer_csv import read_offers

HEADER = "provider,title,kind,occupations,postal_code,city,starts_on,ends_on,schedule,language,funding,contact"
ROW = "Träger,Kurs,language,,50667,Köln,2030-09-07,2030-12-18,evening,de,esf;self,a@b.example"


def test_a_comma_file_is_read_with_lists_split_and_empty_cells_left_out() -> None:
    sheet = read_offers(f"{HEADER}\n{ROW}\n".encode())
    assert sheet.errors == []
    assert [(row.line, row.fields["funding"], row.fields["occupations"]) for row in sheet.rows] == [
        (2, ["esf", "self"], [])
    ]
    assert "kldb" not in sheet.rows[0].fields


def test_a_semicolon_file_with_a_byte_order_mark_and_quoted_lists_across_lines() -> None:
    text = (
        "\ufeff" + HEADER.replace(",", ";") + ";Seats\n"
        'Träger;"Kurs, mit Komma";exam_preparation;"Koch/Köchin;\nBäcker/-in";50667;Köln;2030-09-07;2030-12-18;'
        "evening;de;esf;a@b.example;12\n"
        "\n"
        f"{ROW.replace(',', ';').replace('esf;self', 'esf')};\n"
    )
    sheet = read_offers(text.encode())
    assert sheet.errors == []
    first, second = sheet.rows
    assert (first.line, first.fields["title"], first.fields["occupations"]) == (
        2,
        "Kurs, mit Komma",
        ["Koch/Köchin", "Bäcker/-in"],
    )
    assert first.fields["seats"] == "12"
    assert second.line == 5  # the quoted cell spans two lines, and an empty line is skipped


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", ["line 1: the file is empty: the first line names the columns"]),
        (f"{HEADER},colour\n".encode(), ["line 1: colour: unknown column"]),
        (f"{HEADER},city\n".encode(), ["line 1: city: named twice"]),
        (
            b"provider,title\n",
            [
                "line 1: missing required column(s): kind, occupations, postal_code, city, starts_on,"
                " ends_on, schedule, language, funding, contact"
            ],
        ),
        (f"{HEADER}\n{ROW},extra\n".encode(), ["line 2: has 13 cells, the header names 12 columns"]),
        (f"{HEADER}\nTr".encode() + b"\xe4ger", [f"line 2: not UTF-8 (byte {len(HEADER) + 4} of the file)"]),
    ],
)
def test_a_file_that_is_no_list_of_offers_names_its_line(data: bytes, expected: list[str]) -> None:
    assert [str(error) for error in read_offers(data).errors] == expected


@pytest.mark.parametrize(
    ("address", "postal_code"),
    [
        ("Domstraße 1, 50667 Köln", "50667"),
        ("50667 Köln, Domstraße 12345", "50667"),
        ("Hauptstr. 12345, 40213 Düsseldorf", "40213"),
        ("Postfach 12345", "12345"),
        ("Domstraße 1", None),
        ("Tel. 0221 123456", None),
        (None, None),
    ],
)
def test_the_postal_code_of_an_address(address: str | None, postal_code: str | None) -> None:
    assert _postal_code_in(address) == postal_code
