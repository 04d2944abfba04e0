"""The course catalogue at scale, against raw SQL in the same run: `python -m bench.matching [--mode quick|full]
[--backend sqlite|postgres] [--database-url URL]`.

Loads a catalogue of offers through the import (files of 1,000 rows), lets the view catch up, then measures matching a
case (`GET /cases/{id}/matching-offers`' use case, in process: the case read, the address opened, the candidates read
from the view, the rules, the access log entry) and a catalogue search (`GET /offers`' use case), each set against the
raw SQL query that reads the same rows from the same tables on the same database. Prints a table; progress on stderr.
"""

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import msgspec
import psycopg

from application.offer_import import Row, import_offers
from application.offers import OfferQuery
from application.ports import Principal
from bench.http_load import percentile
from bench.table import DEFAULT_URL, say, scratch_schema
from domain import steps
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.projections.offer_views import OFFER_WORDS, OFFERS
from infrastructure.settings import Settings

AGENCY = "koeln"
COUNSELLOR = Principal(subject="ayse", role="counsellor", agency=AGENCY)
FILE_ROWS = 1_000
KINDS = [
    "exam_preparation",
    "partial_qualification",
    "adaptation_qualification",
    "adaptation_course",
    "language",
    "retraining",
]
# The demo's occupations and more of those a desk meets: matching must pick a few among many.
OCCUPATIONS = [
    "Kaufmann/-frau im Einzelhandel",
    "Elektroniker/-in",
    "Friseur/-in",
    "Fachkraft für Lagerlogistik",
    "Koch/Köchin",
    "Pflegefachmann/-frau",
    "Erzieher/-in",
    "Industriemechaniker/-in",
    "Mechatroniker/-in",
    "Kraftfahrzeugmechatroniker/-in",
    "Anlagenmechaniker/-in für Sanitär-, Heizungs- und Klimatechnik",
    "Tischler/-in",
    "Maler/-in und Lackierer/-in",
    "Bäcker/-in",
    "Fachverkäufer/-in im Lebensmittelhandwerk",
    "Kaufmann/-frau für Büromanagement",
    "Kaufmann/-frau im Groß- und Außenhandelsmanagement",
    "Fachinformatiker/-in für Systemintegration",
    "Medizinische/r Fachangestellte/r",
    "Zahnmedizinische/r Fachangestellte/r",
    "Berufskraftfahrer/-in",
    "Fachkraft für Gastronomie",
    "Hotelfachmann/-frau",
    "Gebäudereiniger/-in",
    "Fachlagerist/-in",
    "Maschinen- und Anlagenführer/-in",
    "Metallbauer/-in",
    "Elektroniker/-in für Betriebstechnik",
    "Altenpfleger/-in",
    "Sozialassistent/-in",
    "Fachkraft für Kurier-, Express- und Postdienstleistungen",
    "Verkäufer/-in",
    "Florist/-in",
    "Dachdecker/-in",
    "Straßenbauer/-in",
    "Kaufmann/-frau für Spedition und Logistikdienstleistung",
    "Chemikant/-in",
    "Fliesen-, Platten- und Mosaikleger/-in",
    "Land- und Baumaschinenmechatroniker/-in",
    "Friseur/-in Meister",
]


@dataclass(frozen=True)
class Sizes:
    offers: int
    reads: int


MODES = {"quick": Sizes(offers=2_000, reads=30), "full": Sizes(offers=10_000, reads=300)}


@dataclass
class Line:
    measurement: str
    lotse: str
    raw: str
    ratio: str
    target: str


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__)
    parser.add_argument("--mode", choices=sorted(MODES), default="quick")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--database-url", default=os.environ.get("LOTSE_BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)
    sizes = MODES[args.mode]
    with _backend(args.backend, args.database_url) as (settings, raw):
        lotse = bootstrap(settings)
        try:
            rows = _measure(lotse, raw, sizes)
        finally:
            lotse.close()
    print(render(rows, args.mode, args.backend, sizes.offers))
    return 0


def _measure(lotse: Lotse, raw: "RawSql", sizes: Sizes) -> list[Line]:
    today = lotse.cases.today()
    rows = offer_rows(today, sizes.offers)
    started = time.perf_counter()
    import_offer_rows(lotse, rows)
    imported = sizes.offers / (time.perf_counter() - started)
    raw_inserts = raw.insert_rate(rows)
    say(f"import: {imported:,.0f} offers/s; raw executemany INSERT {raw_inserts:,.0f} rows/s")
    started = time.perf_counter()
    projected = lotse.projections.runner.catch_up()
    view_rate = projected / (time.perf_counter() - started)
    say(f"view: {projected:,} events at {view_rate:,.0f} events/s")

    case_id = _case(lotse, today)
    matching = lotse.catalogue.matching(COUNSELLOR, case_id)
    kinds = [need.kind for need in matching.needs]
    say(f"the case needs {kinds}; {len(matching.matches)} of {sizes.offers:,} offers fit")
    lotse_match = _latencies(lambda: lotse.catalogue.matching(COUNSELLOR, case_id), sizes.reads)
    raw_match = _latencies(lambda: raw.candidates(today, kinds, ["kaufmann", "einzelhandel"]), sizes.reads)
    query = OfferQuery(agency=AGENCY, kind="exam_preparation", limit=50)
    lotse_search = _latencies(
        lambda: lotse.catalogue.search(COUNSELLOR, query, occupation="kaufmann einzelhandel"), sizes.reads
    )
    raw_search = _latencies(lambda: raw.search("exam_preparation", ["kaufmann", "einzelhandel"]), sizes.reads)
    at = f"at {sizes.offers:,} offers"
    return [
        Line(f"import offers (files of {FILE_ROWS:,} rows)", f"{imported:,.0f} offers/s",
             f"{raw_inserts:,.0f} rows/s (INSERT)", f"{imported / raw_inserts:.2f}×", ""),
        Line("project the offers into the catalogue view", f"{view_rate:,.0f} events/s", "", "", ""),
        *_latency_rows(f"match a case {at} ({len(matching.matches)} fit)", lotse_match, raw_match, "p95 ≤ 50 ms"),
        *_latency_rows(f"search the catalogue {at} (occupation, kind)", lotse_search, raw_search, "p95 ≤ 50 ms"),
    ]  # fmt: skip


def offer_rows(today: date, count: int) -> list[Row]:
    """`count` generated offers, as rows of a provider's file (the same ones on every run)."""
    rng = random.Random(2026)
    return [_offer_row(rng, today, number) for number in range(count)]


def import_offer_rows(lotse: Lotse, rows: list[Row]) -> None:
    """Imports the rows as offers of the agency through the import, in files of FILE_ROWS."""
    for first in range(0, len(rows), FILE_ROWS):
        report = import_offers(lotse.registers, AGENCY, rows[first : first + FILE_ROWS], "import:bench.csv")
        assert not report.errors, report.errors[:3]


def _latency_rows(what: str, lotse: list[float], raw: list[float], target: str) -> list[Line]:
    rows = []
    for name, share in (("p50", 0.5), ("p95", 0.95)):
        mine, theirs = percentile(lotse, share), percentile(raw, share)
        rows.append(
            Line(f"{what}: {name}", f"{mine * 1000:.2f} ms", f"{theirs * 1000:.2f} ms (the view's rows)",
                 f"{mine / theirs:.1f}×", target if name == "p95" else "")
        )  # fmt: skip
    return rows


def _case(lotse: Lotse, today: date) -> Any:
    lotse.staff.register(AGENCY, COUNSELLOR.subject, "counsellor")
    opening = steps.OpenCase(
        first_contact_on=today - timedelta(days=60),
        channel="walk_in",
        referral_source="jobcenter",
        profile=steps.Profile(
            birth_year=1985,
            gender="female",
            labour_status="unemployed",
            isced=3,
            foreign_background=True,
            third_country_national=True,
            target_occupation="Kaufmann im Einzelhandel",
            german_level="A2",
        ),
        personal=steps.PersonalData(name="Ayla Demir", address="Venloer Straße 12, 50823 Köln"),
    )
    case = lotse.cases.open_case(AGENCY, opening, COUNSELLOR.subject).case
    admission = steps.ExamAdmissionApplied(
        date=today - timedelta(days=30), exam_id="x1", route="external_exam",
        occupation="Kaufmann im Einzelhandel", chamber="ihk",
    )  # fmt: skip
    return lotse.cases.record_step(case.id, admission, COUNSELLOR.subject, agency=AGENCY).case.id


def _offer_row(rng: random.Random, today: date, number: int) -> Row:
    kind = rng.choice(KINDS)
    occupations = [] if kind == "language" and rng.random() < 0.3 else rng.sample(OCCUPATIONS, rng.choice([1, 1, 2]))
    start = today + timedelta(days=rng.randint(-90, 365))
    return Row(
        line=number + 2,
        fields={
            "provider": f"Träger {rng.randint(1, 400)}",
            "title": f"Kurs {number}",
            "kind": kind,
            "occupations": occupations,
            "postal_code": f"{rng.randint(1067, 99998):05d}",
            "city": "Stadt",
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=rng.randint(30, 400))).isoformat(),
            "schedule": rng.choice(["full_time", "part_time", "evening", "online"]),
            "language": "de",
            "funding": rng.sample(["education_voucher", "sgb3_82", "esf", "self"], 2),
            "contact": "kurse@traeger.example",
            "provider_course_id": f"K-{number}",
        },
    )


class RawSql:
    """The same queries on the same tables, through the database driver alone."""

    def __init__(self, execute: Callable[[str, tuple[Any, ...]], list[Any]], placeholder: str, prefix: str) -> None:
        self._execute = execute
        self._mark = placeholder
        self._offers, self._words = f"{prefix}{OFFERS}", f"{prefix}{OFFER_WORDS}"

    def candidates(self, today: date, kinds: list[str], words: list[str]) -> list[Any]:
        mark = self._mark
        kind_marks, word_marks = ", ".join(mark for _ in kinds), ", ".join(mark for _ in words)
        return self._execute(
            f"SELECT document FROM {self._offers} WHERE agency = {mark} AND kind IN ({kind_marks})"
            f" AND status = 'active' AND starts_on > {mark} AND (any_occupation = 1 OR offer_id IN (SELECT offer_id"
            f" FROM {self._words} WHERE agency = {mark} AND word IN ({word_marks}) AND kind IN ({kind_marks})))",
            (AGENCY, *kinds, today.isoformat(), AGENCY, *words, *kinds),
        )

    def search(self, kind: str, words: list[str]) -> list[Any]:
        mark = self._mark
        # The view's own condition for "a word begins with": a range on SQLite, LIKE on PostgreSQL (offer_views.py).
        begins = f"word >= {mark} AND word < {mark}" if mark == "?" else f"word LIKE {mark}"
        conditions = " AND ".join(
            f"offer_id IN (SELECT offer_id FROM {self._words} WHERE agency = {mark} AND {begins})" for _ in words
        )
        bounds = [(word, word[:-1] + chr(ord(word[-1]) + 1)) if mark == "?" else (f"{word}%",) for word in words]
        params: tuple[Any, ...] = (AGENCY, kind, *(value for bound in bounds for value in (AGENCY, *bound)))
        where = f"WHERE agency = {mark} AND status = 'active' AND kind = {mark} AND {conditions}"
        counted = self._execute(f"SELECT COUNT(*) FROM {self._offers} {where}", params)
        return counted + self._execute(
            f"SELECT document FROM {self._offers} {where} ORDER BY starts_on, offer_id LIMIT 50", params
        )

    def insert_rate(self, rows: list[Row]) -> float:
        """Rows per second of a plain executemany INSERT of the same rows as JSON, in transactions of FILE_ROWS."""
        self._execute(f"CREATE TABLE {self._offers}_raw (offer_id TEXT PRIMARY KEY, document TEXT NOT NULL)", ())
        started = time.perf_counter()
        for first in range(0, len(rows), FILE_ROWS):
            batch = [
                (f"raw-{row.line}", msgspec.json.encode(row.fields).decode()) for row in rows[first : first + FILE_ROWS]
            ]
            self._execute(f"INSERT INTO {self._offers}_raw VALUES ({self._mark}, {self._mark})", tuple(batch))
        return len(rows) / (time.perf_counter() - started)


@contextmanager
def _backend(backend: str, url: str) -> Iterator[tuple[Settings, RawSql]]:
    with tempfile.TemporaryDirectory() as directory:
        if backend == "sqlite":
            settings = Settings(data_dir=Path(directory) / "data")
            bootstrap(settings).close()  # creates the file and its tables
            connection = sqlite3.connect(settings.data_dir / "lotse.sqlite3", isolation_level=None)
            try:
                yield settings, RawSql(_sqlite_execute(connection), "?", "")
            finally:
                connection.close()
            return
        with scratch_schema(url) as (schema_url, schema):
            settings = Settings(database_url=schema_url, data_dir=Path(directory) / "data")
            with psycopg.connect(url, autocommit=True) as connection:
                yield settings, RawSql(_postgres_execute(connection), "%s", f'"{schema}".')


def _sqlite_execute(connection: sqlite3.Connection) -> Callable[[str, tuple[Any, ...]], list[Any]]:
    def execute(sql: str, params: tuple[Any, ...]) -> list[Any]:
        if params and isinstance(params[0], tuple):
            with connection:
                connection.execute("BEGIN")
                connection.executemany(sql, params)
            return []
        return connection.execute(sql, params).fetchall()

    return execute


def _postgres_execute(connection: psycopg.Connection[Any]) -> Callable[[str, tuple[Any, ...]], list[Any]]:
    def execute(sql: str, params: tuple[Any, ...]) -> list[Any]:
        if params and isinstance(params[0], tuple):
            with connection.transaction(), connection.cursor() as cursor:
                cursor.executemany(sql, list(params))
            return []
        with connection.cursor() as cursor:
            cursor.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    return execute


def _latencies(run: Callable[[], object], repeat: int) -> list[float]:
    run()  # warm: the first call pays for plans and caches, in both columns alike
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return timings


def render(rows: list[Line], mode: str, backend: str, offers: int) -> str:
    header = ["Measurement", "Lotse", "Raw SQL, same run", "Ratio", "Target"]
    lines = [f"Mode: {mode}; backend: {backend}; {offers:,} offers", "", "| " + " | ".join(header) + " |"]
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join([row.measurement, row.lotse, row.raw, row.ratio, row.target]) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
