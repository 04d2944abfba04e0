"""The course catalogue's view: every offer as it stands, and the normalised words of its occupations.

The catalogue's list and the matching of a case read here rather than replaying offers: the offers table is indexed
for the agency's list (by start) and for matching (by kind and start), the words table by word and kind, so matching
reads only the offers that share a word with the case's target occupation (application/occupations.py), whatever the
size of the catalogue. Each offer's rows are replaced by its newest state, so writing a state twice is writing it
once, and a rebuild gives the same rows.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import msgspec

from application.occupations import occupation_words
from application.offers import OfferPage, OfferQuery
from domain.offers import Offer
from infrastructure.eventstore.sql import Database, DialectCursor, storable_text
from infrastructure.projections.case_views import newest

OFFERS = "lotse_view_offers"
OFFER_WORDS = "lotse_view_offer_words"
_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(Offer)


class OffersView:
    """Each offer's current state (as JSON, with the columns the catalogue filters by) and its occupation words."""

    name = "offers"
    follows: tuple[type, ...] = (Offer,)
    tables = (OFFERS, OFFER_WORDS)

    # PostgreSQL plans by table statistics, which its autovacuum gathers only a while after a large load (a rebuild, an
    # import): until then a search may take a plan made for an empty table. The view gathers them itself as it grows:
    # after 64, 128, 256, … offers written by this process, and every 4,096 after that.

    def __init__(self, database: Database) -> None:
        self.database = database
        self._written = 0

    def create(self, cursor: DialectCursor) -> None:
        offers, words = self.database.table(OFFERS), self.database.table(OFFER_WORDS)
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {offers} (offer_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            " kind TEXT NOT NULL, status TEXT NOT NULL, starts_on TEXT NOT NULL, postal_code TEXT NOT NULL,"
            " kldb TEXT, funding TEXT NOT NULL, any_occupation INTEGER NOT NULL, document TEXT NOT NULL)"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_offers_by_start ON {offers} (agency, status, starts_on, offer_id)"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_offers_by_kind ON {offers} (agency, kind, status, starts_on)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {words} (offer_id TEXT NOT NULL, agency TEXT NOT NULL, word TEXT NOT NULL,"
            " kind TEXT NOT NULL, PRIMARY KEY (offer_id, word))"
        )
        cursor.execute(f"CREATE INDEX IF NOT EXISTS lotse_view_offer_words_by_word ON {words} (agency, word, kind)")

    def clear(self, cursor: DialectCursor) -> None:
        for table in self.tables:
            cursor.execute(f"DELETE FROM {self.database.table(table)}")

    def write_all(self, cursor: DialectCursor, offers: Sequence[Offer]) -> None:
        # Offers change seldom (an import now and then): a statement or three each is no rebuild's bottleneck.
        for offer in newest(offers):
            self.write(cursor, offer)

    def write(self, cursor: DialectCursor, offer: Offer) -> None:
        # Three statements an offer, whatever its number of words: a view catching up on PostgreSQL pays a round
        # trip for each.
        offer_id = str(offer.id)
        cursor.execute(
            f"INSERT INTO {self.database.table(OFFERS)} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (offer_id)"
            " DO UPDATE SET agency = excluded.agency, kind = excluded.kind, status = excluded.status,"
            " starts_on = excluded.starts_on, postal_code = excluded.postal_code, kldb = excluded.kldb,"
            " funding = excluded.funding, any_occupation = excluded.any_occupation, document = excluded.document",
            (
                offer_id,
                offer.agency,
                offer.kind,
                offer.status,
                offer.starts_on.isoformat(),
                offer.postal_code,
                offer.kldb,
                _funding_column(offer.funding),
                int(offer.kind == "language" and not offer.occupations),
                _ENCODER.encode(offer).decode(),
            ),
        )
        cursor.execute(f"DELETE FROM {self.database.table(OFFER_WORDS)} WHERE offer_id = ?", (offer_id,))
        words = sorted(set().union(*(occupation_words(storable_text(title)) for title in offer.occupations)))
        if words:
            cursor.execute(
                f"INSERT INTO {self.database.table(OFFER_WORDS)} VALUES {', '.join('(?, ?, ?, ?)' for _ in words)}",
                [value for word in words for value in (offer_id, offer.agency, word, offer.kind)],
            )
        self._written += 1
        if self.database.dialect == "postgres" and _analyze_due(self._written):
            for table in self.tables:
                cursor.execute(f"ANALYZE {self.database.table(table)}")


class SqlOfferQueries:
    """The catalogue's reads (application/offers.py's OfferQueries), each in one snapshot of the view."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def page(self, query: OfferQuery) -> OfferPage:
        offers, words = self.database.table(OFFERS), self.database.table(OFFER_WORDS)
        conditions: list[str] = []
        params: list[Any] = []
        if query.agency is not None:
            conditions.append("agency = ?")
            params.append(query.agency)
        if not query.include_withdrawn:
            conditions.append("status = 'active'")
        if query.kind is not None:
            conditions.append("kind = ?")
            params.append(query.kind)
        if query.starts_after is not None:
            conditions.append("starts_on > ?")
            params.append(query.starts_after.isoformat())
        if query.postal_code is not None:
            conditions.append("postal_code LIKE ?")
            params.append(f"{query.postal_code}%")  # digits only (the API's pattern)
        if query.funding is not None:
            conditions.append("funding LIKE ? ESCAPE '!'")
            params.append(f"%;{query.funding.replace('_', '!_')};%")
        for word in query.occupation_words:
            # Each word of the search begins a word of the offer's occupations.
            inner, inner_params = self._begins(word)
            if query.agency is not None:
                inner, inner_params = f"agency = ? AND {inner}", [query.agency, *inner_params]
            conditions.append(f"offer_id IN (SELECT offer_id FROM {words} WHERE {inner})")
            params.extend(inner_params)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        keyset, keyset_params = "", []
        if query.after is not None:
            keyset = f"{'AND' if where else 'WHERE'} (starts_on > ? OR (starts_on = ? AND offer_id > ?))"
            start, offer_id = query.after
            keyset_params = [start.isoformat(), start.isoformat(), str(offer_id)]
        with self.database.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {offers} {where}", params)
            total = int(cursor.fetchone()[0])
            cursor.execute(
                f"SELECT document FROM {offers} {where} {keyset} ORDER BY starts_on, offer_id LIMIT ?",
                [*params, *keyset_params, query.limit],
            )
            items = [_DECODER.decode(row[0]) for row in cursor.fetchall()]
        return OfferPage(items=items, total=total)

    def _begins(self, prefix: str) -> tuple[str, list[Any]]:
        """A condition on `word` that holds when it begins with `prefix` (letters only, so no LIKE wildcards).

        SQLite compares text by code point: the range of words from the prefix up to the prefix with its last letter
        raised by one is exactly the words that begin with it, and the (agency, word) index reads that range.
        PostgreSQL compares by the database's collation, where that need not hold: LIKE, always right.
        """
        if self.database.dialect == "sqlite":
            return "word >= ? AND word < ?", [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]
        return "word LIKE ?", [f"{prefix}%"]

    def candidates(
        self, agency: str, kinds: Sequence[str], after: date, words: Sequence[str], kldb: str | None
    ) -> list[Offer]:
        """The agency's active offers of the kinds, starting after the day, that share a word with `words`, have the
        KldB code, or are language courses for every occupation: a superset of those that fit (domain/matching.py)."""
        if not kinds:
            return []
        offers, words_table = self.database.table(OFFERS), self.database.table(OFFER_WORDS)
        kind_marks = ", ".join("?" for _ in kinds)
        either = ["any_occupation = 1"]
        params: list[Any] = [agency, *kinds, after.isoformat()]
        if words:
            word_marks = ", ".join("?" for _ in words)
            either.append(
                f"offer_id IN (SELECT offer_id FROM {words_table} WHERE agency = ? AND word IN ({word_marks})"
                f" AND kind IN ({kind_marks}))"
            )
            params.extend([agency, *words, *kinds])
        if kldb is not None:
            either.append("kldb = ?")
            params.append(kldb)
        rows = self.database.fetchall(
            f"SELECT document FROM {offers} WHERE agency = ? AND kind IN ({kind_marks}) AND status = 'active'"
            f" AND starts_on > ? AND ({' OR '.join(either)})",
            params,
        )
        return [_DECODER.decode(row[0]) for row in rows]


def _analyze_due(written: int) -> bool:
    return written >= 64 and (written & (written - 1) == 0 or written % 4096 == 0)


def _funding_column(funding: Sequence[str]) -> str:
    """`;a;b;`: each instrument between separators, so a filter finds it with one LIKE."""
    return f";{';'.join(funding)};" if funding else ";"
