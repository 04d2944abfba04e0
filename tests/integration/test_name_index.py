"""The keyed name index on a real store, SQLite and PostgreSQL: finding clients by name, and one person's cases.

API.md "Finding clients (0.2)" and "A person is counted once": the index holds keyed hashes of normalised name words
(never a word), is written and deleted in the transactions of the case's events, is keyed per agency, and is built at
start for the cases recorded before it existed.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError

from application.cases import CaseService, Recorded
from application.errors import ConcurrentUpdate
from application.names import name_words
from application.ports import CaseListQuery, IndexedCase, NameIndex, NameIndexEntry, NameKeys
from domain import steps
from infrastructure.audit.chain import CHAIN_TABLE
from infrastructure.bootstrap import Lotse
from infrastructure.eventstore.migrations import MIGRATIONS, migrate, schema_target
from infrastructure.eventstore.recorders import CaseStore
from infrastructure.privacy.name_index import INDEX_KEYS_TABLE, NAME_CASES_TABLE, NAME_WORDS_TABLE
from infrastructure.settings import Settings
from tests.integration.conftest import AGENCY, COUNSELLOR, LotseFactory, open_case_command
from tests.integration.test_concurrency import race
from tests.raw_log import RawLog
from tests.raw_store import raw_database

OTHER_AGENCY = "bonn"
BIRTH = date(1979, 4, 23)
NAME = "Zofia Wąsowska-Brückner"  # stands nowhere else in the tests' data


def client(name: str | None = NAME, birth_date: date | None = BIRTH, **changes: Any) -> steps.OpenCase:
    """A first contact of the client named `name`, born on `birth_date` (None: only the birth year is known)."""
    profile = steps.Profile(
        birth_year=None if birth_date is not None else 1979,
        birth_date=birth_date,
        gender="female",
        labour_status="unemployed",
        isced=3,
        foreign_background=True,
        third_country_national=True,
    )
    return open_case_command(profile=profile, personal=steps.PersonalData(name=name, email="z@example.org"), **changes)


def found(service: CaseService, q: str, agency: str = AGENCY, **filters: Any) -> list[UUID]:
    """The agency's cases whose client's name has every word of `q`, as `GET /cases?q=` lists them."""
    query = CaseListQuery(agency=agency, name_words=service.name_words(agency, q), **filters)
    return [summary.case_id for summary in service.list_cases(query)]


def open_as(service: CaseService, command: steps.OpenCase, agency: str = AGENCY) -> Recorded:
    return service.open_case(agency, command, COUNSELLOR if agency == AGENCY else "carla")


class Tables:
    """The index's tables as a database superuser sees them."""

    def __init__(self, settings: Settings) -> None:
        self.raw = RawLog(settings)

    def name(self, table: str) -> str:
        return self.raw.events.replace("lotse_events", table) if self.raw.postgres else table

    def rows(self, table: str, case_id: UUID | None = None) -> list[tuple[Any, ...]]:
        where, params = ("WHERE case_id = ?", (str(case_id),)) if case_id is not None else ("", ())
        with self.raw.connection(bypass_triggers=False) as connection:
            return [
                tuple(row) for row in self.raw.execute(connection, f"SELECT * FROM {self.name(table)} {where}", params)
            ]

    def entries(self, case_id: UUID) -> tuple[int, int]:
        """How many rows the case has: (words, case rows)."""
        return len(self.rows(NAME_WORDS_TABLE, case_id)), len(self.rows(NAME_CASES_TABLE, case_id))

    def forget_everything(self) -> None:
        """The index as a release before it left it: no entries at all."""
        with self.raw.connection(bypass_triggers=False) as connection:
            for table in (NAME_WORDS_TABLE, NAME_CASES_TABLE):
                self.raw.execute(connection, f"DELETE FROM {self.name(table)}")

    @contextmanager
    def chain_refusing_inserts(self) -> Iterator[None]:
        """A fault at the end of every recording transaction: the audit chain's INSERT fails (after the index rows)."""
        chain = self.name(CHAIN_TABLE)
        with self.raw.connection(bypass_triggers=False) as connection:
            if self.raw.postgres:
                function = chain.replace(CHAIN_TABLE, "lotse_test_refuse")
                connection.execute(
                    f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql"
                    " AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
                )
                connection.execute(
                    f"CREATE TRIGGER lotse_test_refuse BEFORE INSERT ON {chain} EXECUTE FUNCTION {function}()"
                )
            else:
                connection.execute(
                    f"CREATE TRIGGER lotse_test_refuse BEFORE INSERT ON {chain}"
                    " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                )
        try:
            yield
        finally:
            with self.raw.connection(bypass_triggers=False) as connection:
                if self.raw.postgres:
                    connection.execute(f"DROP TRIGGER lotse_test_refuse ON {chain}")
                    connection.execute(f"DROP FUNCTION {chain.replace(CHAIN_TABLE, 'lotse_test_refuse')}()")
                else:
                    connection.execute("DROP TRIGGER lotse_test_refuse")


@pytest.fixture
def tables(settings: Settings) -> Tables:
    return Tables(settings)


# Finding clients by name


def test_every_word_of_q_must_equal_a_word_of_the_name_in_any_spelling(service: CaseService) -> None:
    mueller = open_as(service, client("Anna-Lena Müller")).case.id
    oeztuerk = open_as(service, client("Ayşe Öztürk")).case.id
    open_as(service, client("Anna Schmidt"))

    assert found(service, "müller") == [mueller]
    assert found(service, "MUELLER") == [mueller]
    assert found(service, "muller anna") == [mueller]  # any order
    assert found(service, "lena") == [mueller]
    assert found(service, "Oeztuerk") == [oeztuerk]
    assert found(service, "ozturk ayse") == [oeztuerk]
    assert set(found(service, "anna")) == {mueller, found(service, "schmidt")[0]}
    assert found(service, "anna müller schmidt") == []  # every word of q, not any
    assert found(service, "müll") == []  # words equal, no prefixes
    assert found(service, "--") == []  # no word: nothing matches


def test_q_combines_with_the_other_filters_and_the_paging(service: CaseService) -> None:
    ids = [open_as(service, client("Jana Novak", first_contact_on=date(2026, 1, day))).case.id for day in (5, 6, 7)]
    open_as(service, client("Jan Novak"))
    service.record_step(
        ids[0],
        steps.CaseClosed(
            date=date(2026, 2, 1),
            reason="moved_away",
            situation=steps.Situation(
                job_searching=False, in_education_or_training=False, qualification_gained=False, employed=False
            ),
        ),
        COUNSELLOR,
        agency=AGENCY,
    )

    assert found(service, "jana novak", status="closed") == [ids[0]]
    assert found(service, "jana novak", status="open") == [ids[2], ids[1]]  # newest first contact first
    first = service.list_cases(
        CaseListQuery(agency=AGENCY, name_words=service.name_words(AGENCY, "novak jana"), limit=2)
    )
    assert [summary.case_id for summary in first] == [ids[2], ids[1]]
    after = (first[-1].opened_on, first[-1].case_id)
    assert found(service, "novak jana", limit=2, after=after) == [ids[0]]


def test_the_index_never_holds_a_name_or_a_word_of_it_in_clear(
    service: CaseService, settings: Settings, tables: Tables
) -> None:
    case_id = open_as(service, client()).case.id
    words, cases = tables.entries(case_id)
    assert (words, cases) == (3, 1)  # the scan below sees the index's rows

    secrets = [NAME, *NAME.replace("-", " ").split(), *name_words(NAME), NAME.casefold(), BIRTH.isoformat()]
    raw = raw_database(settings)
    assert str(case_id).encode() in raw, "the scan does not see the stored data"
    assert [secret for secret in secrets if secret.encode() in raw] == []
    (index_key,) = [row for row in tables.rows(INDEX_KEYS_TABLE) if row[0] == AGENCY]
    assert len(str(index_key[1])) > 32  # the agency's key is stored, wrapped


def test_another_agencys_key_never_matches(service: CaseService, make_lotse: LotseFactory) -> None:
    koeln = open_as(service, client()).case.id
    bonn = open_as(service, client(counsellor="carla"), agency=OTHER_AGENCY)

    assert found(service, NAME) == [koeln]
    assert found(service, NAME, agency=OTHER_AGENCY) == [bonn.case.id]
    assert bonn.possible_duplicates == ()
    assert bonn.case.participant_id == bonn.case.id  # the same name elsewhere is another agency's participant
    index = make_lotse().cases.ports.name_index
    koeln_keys, bonn_keys = index.keys_for(AGENCY, NAME, BIRTH), index.keys_for(OTHER_AGENCY, NAME, BIRTH)
    assert not koeln_keys.words & bonn_keys.words
    assert koeln_keys.person != bonn_keys.person
    # Agency B's keys looked up in agency A's entries (as a query that ignored the agency would) find nothing.
    query = CaseListQuery(agency=AGENCY, name_words=bonn_keys.words)
    assert service.list_cases(query) == []
    assert service.list_cases(replace(query, agency=None)) != []  # ... while without the agency they find bonn's


# A person is counted once


def test_a_second_case_of_the_same_person_takes_the_first_ones_participant(service: CaseService) -> None:
    first = open_as(service, client("Dragana Müller"))
    assert first.possible_duplicates == ()
    assert first.case.participant_id == first.case.id

    second = open_as(service, client("MUELLER, dragana", first_contact_on=date(2026, 3, 2)))
    assert second.possible_duplicates == (first.case.id,)
    assert second.case.participant_id == first.case.id
    assert service.get_case(second.case.id, personal_data=False).participant_id == first.case.id  # as recorded

    born_otherwise = open_as(service, client("Dragana Müller", birth_date=date(1979, 4, 24)))
    assert born_otherwise.possible_duplicates == ()
    assert born_otherwise.case.participant_id == born_otherwise.case.id
    without_birth_date = open_as(service, client("Dragana Müller", birth_date=None))
    assert without_birth_date.possible_duplicates == ()
    assert without_birth_date.case.participant_id == without_birth_date.case.id
    fewer_words = open_as(service, client("Dragana"))
    assert fewer_words.possible_duplicates == ()  # all name words equal, not some

    third = open_as(service, client("Dragana Mueller"))
    assert set(third.possible_duplicates) == {first.case.id, second.case.id}
    assert third.case.participant_id == first.case.id


def test_the_participant_is_the_earliest_cases_and_a_corrected_birth_date_counts(service: CaseService) -> None:
    later = open_as(service, client(first_contact_on=date(2026, 1, 10)))  # a participant of her own
    earlier = open_as(service, client(birth_date=None, first_contact_on=date(2026, 1, 5)))  # no birth date yet
    assert earlier.case.participant_id == earlier.case.id
    correction = steps.ProfileCorrected(date=date(2026, 1, 12), profile=steps.ProfileChanges(birth_date=BIRTH))
    service.record_step(earlier.case.id, correction, COUNSELLOR, agency=AGENCY)

    newest = open_as(service, client(first_contact_on=date(2026, 2, 1)))

    assert set(newest.possible_duplicates) == {later.case.id, earlier.case.id}
    assert newest.case.participant_id == earlier.case.id  # the earliest first contact's


def test_two_first_contacts_of_one_person_at_the_same_moment_count_one_participant(
    make_lotse: LotseFactory,
) -> None:
    services = [make_lotse().cases for _ in range(4)]  # as four processes

    outcomes = race([lambda service=service: open_as(service, client()) for service in services])

    assert [outcome.error for outcome in outcomes] == [None] * 4
    recorded = [outcome.recorded for outcome in outcomes if outcome.recorded is not None]
    assert len({written.case.participant_id for written in recorded}) == 1
    (first,) = [written for written in recorded if written.case.participant_id == written.case.id]
    assert all(first.case.id in written.possible_duplicates for written in recorded if written is not first)


class RacingIndex:
    """The real index, except that another process records a first contact of the same person while this one looks
    her up: the moment two first contacts cross."""

    def __init__(self, index: NameIndex, other: CaseService) -> None:
        self.index = index
        self.other = other
        self.crossed: Recorded | None = None
        self._once = threading.Lock()

    def keys_for(self, agency: str, name: str | None, birth_date: date | None) -> NameKeys:
        return self.index.keys_for(agency, name, birth_date)

    def same_person(self, agency: str, person: str) -> list[IndexedCase]:
        answer = self.index.same_person(agency, person)
        if self.crossed is None:
            self.crossed = open_as(self.other, client())  # committed after the lookup, before this one's commit
        return answer

    def person_of(self, case_id: UUID) -> tuple[str, str] | None:
        return self.index.person_of(case_id)

    def unindexed(self, limit: int, after: UUID | None = None) -> list[UUID]:
        return self.index.unindexed(limit, after)

    def add(self, entries: list[NameIndexEntry]) -> int:
        return self.index.add(entries)


def test_a_first_contact_that_crossed_another_of_the_same_person_is_decided_again(make_lotse: LotseFactory) -> None:
    service, other = make_lotse().cases, make_lotse().cases
    racing = RacingIndex(service.ports.name_index, other)
    service.ports = replace(service.ports, name_index=racing)  # this test's seam: the moment of the crossing

    second = open_as(service, client())

    assert racing.crossed is not None
    assert second.case.participant_id == racing.crossed.case.id  # refused in its transaction, decided again
    assert second.possible_duplicates == (racing.crossed.case.id,)
    assert other.get_case(second.case.id, personal_data=False).participant_id == racing.crossed.case.id


def test_a_crossing_that_never_ends_is_a_concurrent_update_not_a_wrong_participant(make_lotse: LotseFactory) -> None:
    service, other = make_lotse().cases, make_lotse().cases

    class AlwaysCrossing(RacingIndex):
        def same_person(self, agency: str, person: str) -> list[IndexedCase]:
            answer = self.index.same_person(agency, person)
            open_as(self.other, client())
            return answer

    service.ports = replace(service.ports, name_index=AlwaysCrossing(service.ports.name_index, other))
    with pytest.raises(ConcurrentUpdate):
        open_as(service, client())
    assert len(found(other, NAME)) == 5  # every crossing case, and not the refused one


# Erasure


def test_erasure_deletes_the_entries_in_its_own_transaction(
    service: CaseService, make_lotse: LotseFactory, tables: Tables
) -> None:
    erased = open_as(service, client()).case.id
    assert tables.entries(erased) == (3, 1)
    with tables.chain_refusing_inserts(), pytest.raises((ConcurrentUpdate, PersistenceError)):
        service.erase_personal_data(erased, "lea", agency=AGENCY)
    assert tables.entries(erased) == (3, 1)  # the erasure did not happen: its deletion neither
    assert found(service, NAME) == [erased]

    service.erase_personal_data(erased, "lea", agency=AGENCY)

    assert tables.entries(erased) == (0, 0)
    for reader in (service, make_lotse().cases):
        assert found(reader, NAME) == []
        assert found(reader, "wasowska") == []
    again = open_as(service, client())
    assert again.possible_duplicates == ()  # she is nobody's duplicate any more
    assert again.case.participant_id == again.case.id
    assert found(service, NAME) == [again.case.id]


def test_names_in_lists_come_from_the_case_and_read_as_none_once_erased(service: CaseService) -> None:
    kept = open_as(service, client("Kept Client")).case.id
    erased = open_as(service, client()).case.id
    nameless = open_as(service, client(name=None)).case.id
    service.erase_personal_data(erased, "lea", agency=AGENCY)

    assert service.names_of([kept, erased, nameless]) == {kept: "Kept Client", erased: None, nameless: None}
    assert found(service, "client") == [kept]


# Cases recorded before the index


def test_cases_without_entries_are_indexed_at_start_once(
    service: CaseService, make_lotse: LotseFactory, tables: Tables
) -> None:
    first = open_as(service, client()).case.id
    second = open_as(service, client("Zofia Wasowska-Brueckner", first_contact_on=date(2026, 2, 2))).case.id
    other = open_as(service, client("Mira Ortiz", birth_date=None)).case.id
    erased = open_as(service, client("Erika Erased")).case.id
    service.erase_personal_data(erased, "lea", agency=AGENCY)
    tables.forget_everything()
    assert found(service, NAME) == []

    restarted = make_lotse().cases  # the start indexes what has no entries

    assert sorted(found(restarted, "Zofia Wąsowska Brückner")) == sorted([first, second])
    assert found(restarted, "ortiz") == [other]
    assert found(restarted, "erika") == []  # an erased client is never indexed again
    assert tables.entries(erased) == (0, 0)
    assert tables.entries(other) == (2, 1)
    assert restarted.index_unindexed_names() == 0  # nothing left: a restart reads no case again
    later = open_as(restarted, client(first_contact_on=date(2026, 3, 3)))
    assert set(later.possible_duplicates) == {first, second}
    assert later.case.participant_id == first  # cases indexed later keep their own participants: the earliest's


def test_the_start_skips_a_client_erased_while_it_indexes(service: CaseService, tables: Tables) -> None:
    case = open_as(service, client()).case
    tables.forget_everything()
    entry = NameIndexEntry(
        case_id=case.id,
        agency=AGENCY,
        keys=service.ports.name_index.keys_for(AGENCY, NAME, BIRTH),
        participant_id=case.participant_id,
        opened_on=case.opened_on,
    )
    service.erase_personal_data(case.id, "lea", agency=AGENCY)  # after the start read her name, before it wrote

    assert service.ports.name_index.add([entry]) == 0
    assert tables.entries(case.id) == (0, 0)


def test_migration_two_adds_the_index_to_a_schema_that_has_only_release_0_1s(system: Lotse, settings: Settings) -> None:
    assert [migration.version for migration in MIGRATIONS][:2] == [1, 2]
    infrastructure = system.cases.factory
    assert isinstance(infrastructure, CaseStore)
    target = schema_target(infrastructure)
    if settings.uses_postgres:
        assert settings.database_url is not None
        with psycopg.connect(settings.database_url.split("?")[0]) as connection:
            schema = settings.database_url.split("schema=")[1]
            for table in (NAME_WORDS_TABLE, NAME_CASES_TABLE, INDEX_KEYS_TABLE):
                connection.execute(f'DROP TABLE "{schema}".{table}')
            connection.execute(f'DELETE FROM "{schema}".lotse_schema_migrations WHERE version = 2')
    else:
        for table in (NAME_WORDS_TABLE, NAME_CASES_TABLE, INDEX_KEYS_TABLE):
            target.database.execute(f"DROP TABLE {table}")
        target.database.execute("DELETE FROM lotse_schema_migrations WHERE version = 2")

    assert [migration.version for migration in migrate(target)] == [2]
    MIGRATIONS[1].apply(target)  # again: idempotent
    assert migrate(target) == []
