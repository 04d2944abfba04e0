"""The course catalogue on both backends: offers in the one log, their view (exactly once, equal to its rebuild), the
catalogue's searches and matching on SQL, `lotse offers import` (all or nothing; a re-import records nothing), and
case steps naming offers of the case's agency's catalogue only (rule offer_of_agency, asked of the register)."""

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import pytest

from application.errors import EntryNotFound
from application.occupations import occupation_words
from application.offer_import import Row, import_offers, offer_id_for
from application.offers import OfferQuery
from application.ports import AccessLogQuery, Principal
from domain import steps
from domain.errors import RuleViolated
from domain.offers import OFFERS, NewOffer, Offer, OfferChanges
from infrastructure.bootstrap import Lotse
from infrastructure.cli.main import main
from infrastructure.eventstore.sql import Database
from infrastructure.projections.offer_views import OFFER_WORDS
from infrastructure.projections.offer_views import OFFERS as OFFERS_TABLE
from infrastructure.settings import Settings
from tests.integration.conftest import AGENCY, COUNSELLOR, START, open_case_command

LEAD = Principal(subject="lea", role="lead", agency=AGENCY)
READER = Principal(subject=COUNSELLOR, role="counsellor", agency=AGENCY)
OTHER_LEAD = Principal(subject="lena", role="lead", agency="bonn")
TODAY = START.date()


def offer(**changes: Any) -> NewOffer:
    fields: dict[str, Any] = {
        "provider": "Bildungswerk Rheinufer",
        "title": "Vorbereitung auf die Externenprüfung",
        "kind": "exam_preparation",
        "occupations": ("Kaufmann/-frau im Einzelhandel",),
        "postal_code": "50667",
        "city": "Köln",
        "starts_on": TODAY + timedelta(days=30),
        "ends_on": TODAY + timedelta(days=120),
        "schedule": "part_time",
        "language": "de",
        "funding": ("education_voucher", "sgb3_82"),
        "contact": "kurse@rheinufer.example",
    }
    return NewOffer(**{**fields, **changes})


def view_rows(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: sorted(database.fetchall(f"SELECT * FROM {database.table(table)}"), key=repr)
        for table in (OFFERS_TABLE, OFFER_WORDS)
    }


def catalogue_with_history(system: Lotse) -> list[UUID]:
    """Offers of two agencies, one changed twice, one withdrawn; answers the koeln ones' ids."""
    catalogue = system.catalogue
    first = catalogue.create(LEAD, offer()).entry.id
    second = catalogue.create(
        LEAD,
        offer(
            title="Teilqualifikation Lager",
            kind="partial_qualification",
            occupations=("Fachkraft für Lagerlogistik",),
            postal_code="51143",
        ),
    ).entry.id
    third = catalogue.create(LEAD, offer(kind="language", occupations=(), title="Deutsch B1")).entry.id
    catalogue.create(OTHER_LEAD, offer(postal_code="53111", city="Bonn"))
    catalogue.change(LEAD, first, OfferChanges(seats=12))
    catalogue.change(LEAD, first, OfferChanges(seats=10, occupations=("Kauffrau im Einzelhandel", "Verkäuferin")))
    catalogue.withdraw(LEAD, second, "abgesagt")
    return [first, second, third]


def test_offers_are_entries_of_the_log_with_their_history_and_agency(system: Lotse) -> None:
    first, second, _ = catalogue_with_history(system)
    catalogue = system.catalogue

    record = catalogue.read(READER, first)
    assert [entry.type for entry in record.history] == ["offer_created", "offer_changed", "offer_changed"]
    assert record.history[2].data == {"occupations": ["Kauffrau im Einzelhandel", "Verkäuferin"], "seats": 10}
    assert (record.offer.version, record.offer.seats, record.offer.status) == (3, 10, "active")
    assert catalogue.read(READER, second).offer.status == "withdrawn"
    with pytest.raises(EntryNotFound):
        catalogue.read(Principal(subject="carla", role="counsellor", agency="bonn"), first)
    with pytest.raises(EntryNotFound):
        catalogue.withdraw(OTHER_LEAD, first)


def test_the_view_holds_each_offer_once_as_it_stands_and_equals_its_rebuild(system: Lotse) -> None:
    ids = catalogue_with_history(system)
    runner = system.projections.runner
    runner.catch_up()
    incremental = view_rows(runner.database)

    offers = {row[0]: row for row in incremental[OFFERS_TABLE]}
    assert len(offers) == 4  # every offer once, whatever its number of events
    assert {offer_id: offers[str(offer_id)][3] for offer_id in ids} == {
        ids[0]: "active",
        ids[1]: "withdrawn",
        ids[2]: "active",
    }
    stored = msgspec.json.decode(offers[str(ids[0])][9], type=Offer)
    assert stored == system.catalogue.read(LEAD, ids[0]).offer
    words = {(row[0], row[2]) for row in incremental[OFFER_WORDS]}
    assert {word for offer_id, word in words if offer_id == str(ids[0])} == {
        "kaufmann",
        "einzelhandel",
        "verkaufer",
    }

    runner.reset(["offers"])
    assert not any(view_rows(runner.database).values())
    runner.catch_up()
    assert view_rows(runner.database) == incremental


def test_the_offers_view_keeps_the_view_contract(system: Lotse) -> None:
    """Writing a state twice equals writing it once; a newer state replaces the older; clear empties."""
    first, *_ = catalogue_with_history(system)
    view = system.projections.runner.views["offers"]
    database = system.database
    oldest = system.registers.get(OFFERS, first, agency=AGENCY, version=1)
    latest = system.registers.get(OFFERS, first, agency=AGENCY)
    with database.transaction(commit=True) as cursor:
        view.clear(cursor)
        view.write(cursor, latest)
    only_latest = view_rows(database)
    with database.transaction(commit=True) as cursor:
        view.clear(cursor)
        view.write(cursor, oldest)
        view.write(cursor, latest)
        view.write(cursor, latest)
    assert view_rows(database) == only_latest
    with database.transaction(commit=True) as cursor:
        view.clear(cursor)
    assert not any(view_rows(database).values())


def test_the_catalogue_searches_with_every_filter_and_walks_its_pages(system: Lotse) -> None:
    catalogue = system.catalogue
    for number in range(7):
        catalogue.create(
            LEAD,
            offer(
                title=f"Kurs {number}",
                starts_on=TODAY + timedelta(days=10 + number % 3),
                funding=("sgb3_82",) if number % 2 else ("esf",),
                postal_code="50667" if number < 4 else "40213",
            ),
        )
    catalogue.create(
        LEAD, offer(title="Pflege", occupations=("Pflegefachmann/-frau",), kind="adaptation_course", funding=("esf",))
    )
    system.projections.runner.catch_up()

    def ids(query: OfferQuery, occupation: str | None = None) -> list[str]:
        """The titles found (sorted: offers starting on one day come in the order of their random ids)."""
        items = catalogue.search(READER, query, occupation=occupation).items
        assert [item.starts_on for item in items] == sorted(item.starts_on for item in items)
        return sorted(item.title for item in items)

    everything = OfferQuery(agency=None, limit=100)
    assert len(ids(everything)) == 8
    assert ids(everything, "pflegefach") == ids(everything, "PFLEGEFACHFRAU") == ["Pflege"]
    assert ids(everything, "kauffrau einzel") == [f"Kurs {n}" for n in range(7)]
    assert ids(OfferQuery(agency=None, funding="sgb3_82")) == ["Kurs 1", "Kurs 3", "Kurs 5"]
    assert ids(OfferQuery(agency=None, postal_code="402")) == ["Kurs 4", "Kurs 5", "Kurs 6"]
    assert ids(OfferQuery(agency=None, kind="adaptation_course")) == ["Pflege"]
    assert ids(OfferQuery(agency=None, starts_after=TODAY + timedelta(days=11))) == ["Kurs 2", "Kurs 5", "Pflege"]
    pages, after, total = [], None, set()
    while True:
        page = catalogue.search(READER, OfferQuery(agency=None, limit=3, after=after))
        total.add(page.total)
        pages += [item.title for item in page.items]
        if len(page.items) < 3:
            break
        after = (page.items[-1].starts_on, page.items[-1].id)
    assert sorted(pages) == sorted(ids(everything))
    assert len(pages) == 8
    assert total == {8}
    assert catalogue.search(OTHER_LEAD, everything).total == 0  # another agency's catalogue


def test_matching_reads_the_view_and_the_case_and_logs_the_read(system: Lotse) -> None:
    catalogue = system.catalogue
    near = catalogue.create(LEAD, offer(postal_code="50668", starts_on=TODAY + timedelta(days=40))).entry.id
    far = catalogue.create(LEAD, offer(postal_code="40213")).entry.id
    catalogue.create(LEAD, offer(kind="retraining"))  # a kind the case does not need
    catalogue.create(LEAD, offer(occupations=("Koch/Köchin",)))  # another occupation
    by_code = catalogue.create(
        LEAD,
        offer(occupations=("Verkäufer/-in",), kldb="62102", postal_code="44135", starts_on=TODAY + timedelta(days=50)),
    ).entry.id
    catalogue.create(OTHER_LEAD, offer())  # another agency's
    system.projections.runner.catch_up()
    opened = system.cases.open_case(
        AGENCY,
        open_case_command(
            personal=steps.PersonalData(name="Ayşe Yılmaz", address="Domstraße 1, 50667 Köln"),
            profile=steps.Profile(
                birth_year=1985,
                gender="female",
                labour_status="unemployed",
                isced=3,
                foreign_background=True,
                third_country_national=True,
                target_occupation="Kaufmann im Einzelhandel",
                target_kldb="62102",
            ),
        ),
        COUNSELLOR,
    ).case
    case = system.cases.record_step(
        opened.id,
        steps.ExamAdmissionApplied(
            date=date(2026, 1, 20),
            exam_id="x1",
            route="external_exam",
            occupation="Kaufmann im Einzelhandel",
            chamber="ihk",
        ),
        COUNSELLOR,
        agency=AGENCY,
    ).case

    matching = catalogue.matching(READER, case.id)

    assert matching.near_source == "client_address"
    assert [match.offer.id for match in matching.matches] == [near, far, by_code]
    assert [match.occupation.how for match in matching.matches] == ["occupation_words", "occupation_words", "kldb"]
    read = system.cases.access_log(_log_query(case.id))[0].read
    assert (read.what, read.personal_data, read.subject) == ("matching-offers", True, COUNSELLOR)
    asked = catalogue.matching(READER, case.id, near="40210")
    assert asked.near_source == "query"
    assert [match.offer.id for match in asked.matches] == [far, by_code, near]
    # The target occupation's title is the client's own words, sealed: matching opens it even when the place is given.
    assert system.cases.access_log(_log_query(case.id))[0].read.personal_data is True


def _log_query(case_id: UUID) -> AccessLogQuery:
    return AccessLogQuery(case_agency=AGENCY, case_id=case_id)


# The import


def rows(*offers: NewOffer, first_line: int = 2) -> list[Row]:
    return [Row(line=first_line + index, fields=msgspec.to_builtins(item)) for index, item in enumerate(offers)]


def test_an_import_is_all_or_nothing_and_a_re_import_records_nothing(system: Lotse) -> None:
    registers, head = system.registers, system.projections.runner.head
    listing = [offer(title=f"Kurs {n}", provider_course_id=f"K-{n}") for n in range(3)] + [offer(title="ohne Nummer")]
    bad = [
        *rows(*listing),
        Row(line=6, fields={**msgspec.to_builtins(listing[0]), "postal_code": "5066", "provider_course_id": "K-9"}),
    ]

    refused = import_offers(registers, AGENCY, bad, "import:kurse.csv")
    assert [str(error) for error in refused.errors] == [
        "line 6: postal_code: Expected `str` matching regex '^[0-9]{5}$', got '5066'"
    ]
    assert head() == 0

    loaded = import_offers(registers, AGENCY, rows(*listing), "import:kurse.csv")
    assert (len(loaded.created), loaded.changed, loaded.errors) == (4, [], [])
    assert head() == 4
    assert loaded.created[0] == offer_id_for(AGENCY, listing[0])
    assert registers.get(OFFERS, loaded.created[0], agency=AGENCY).version == 1
    assert system.catalogue.read(LEAD, loaded.created[0]).history[0].recorded_by == "import:kurse.csv"

    again = import_offers(registers, AGENCY, rows(*listing), "import:kurse.csv")
    assert (again.created, again.changed, len(again.unchanged)) == ([], [], 4)
    assert head() == 4

    listing[1] = msgspec.structs.replace(listing[1], seats=9, title="Kurs 1 (neu)")  # same course id: a change
    changed = import_offers(registers, AGENCY, rows(*listing), "import:kurse.csv")
    assert (changed.created, changed.changed) == ([], [loaded.created[1]])
    assert head() == 5
    history = system.catalogue.read(LEAD, loaded.created[1]).history
    assert history[-1].data == {"title": "Kurs 1 (neu)", "seats": 9}

    system.catalogue.withdraw(LEAD, loaded.created[2])
    listing[2] = msgspec.structs.replace(listing[2], seats=3)
    left = import_offers(registers, AGENCY, rows(*listing), "import:kurse.csv")
    assert (left.changed, left.withdrawn) == ([], [(4, loaded.created[2])])
    assert head() == 6


def test_an_import_names_every_bad_row_and_repeated_offers(system: Lotse) -> None:
    good = msgspec.to_builtins(offer())
    listing = [
        Row(2, good),
        Row(3, {**good, "ends_on": "2020-01-01"}),
        Row(4, {key: value for key, value in good.items() if key != "city"}),
        Row(5, {**good}),
        Row(6, {**good, "kind": "yoga", "seats": "many"}),
    ]
    report = import_offers(system.registers, AGENCY, listing, "import:x.csv")
    assert [(error.line, error.field) for error in report.errors] == [
        (3, "ends_on"),
        (4, "city"),
        (5, None),
        (6, "kind"),
    ]
    assert "the same offer as line 2" in report.errors[2].reason
    assert system.projections.runner.head() == 0


# The command


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def lotse(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """Runs `lotse …` in-process against the test's backend; answers (exit status, stdout, stderr)."""
    monkeypatch.setenv("LOTSE_DATA_DIR", str(settings.data_dir))
    if settings.database_url is not None:
        monkeypatch.setenv("LOTSE_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("LOTSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LOTSE_MASTER_KEY", raising=False)

    def run(*arguments: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(list(arguments))
        printed = capsys.readouterr()
        return status, printed.out, printed.err

    return run


HEADER = "provider;title;kind;occupations;postal_code;city;starts_on;ends_on;schedule;language;funding;contact;seats"


def test_lotse_offers_import_loads_a_file_once_and_refuses_a_bad_one(
    lotse: Run, tmp_path: Path, make_lotse: Callable[..., Lotse]
) -> None:
    good = tmp_path / "rheinufer.csv"
    good.write_bytes(
        (
            "\ufeff" + HEADER + "\n"
            'Rheinufer;Externenprüfung Handel;exam_preparation;"Kaufmann/-frau im Einzelhandel;Verkäufer/-in";50667;'
            'Köln;2030-09-07;2031-02-26;part_time;de;"education_voucher;sgb3_82";kurse@rheinufer.example;12\n'
            "Rheinufer;Deutsch B1;language;;50667;Köln;2030-09-07;2030-12-18;evening;de;esf;kurse@rheinufer.example;\n"
        ).encode()
    )
    status, out, err = lotse("offers", "import", str(good), "--agency", AGENCY)
    assert (status, err) == (0, "")
    assert "2 new, 0 changed, 0 unchanged" in out
    status, out, _ = lotse("offers", "import", str(good), "--agency", AGENCY)
    assert status == 0
    assert "0 new, 0 changed, 2 unchanged" in out

    bad = tmp_path / "kaputt.csv"
    bad.write_text(
        "provider,title,kind,occupations,postal_code,city,starts_on,ends_on,schedule,language,funding,contact\n"
        "Träger,Kurs,exam_preparation,Koch/Köchin,50667,Köln,2030-09-07,2030-09-01,part_time,de,esf,a@b.example\n"
        "Träger,Kurs 2,exam_preparation,Koch/Köchin,50667,Köln,2030-09-07,2030-10-01,part_time,de,esf,a@b.example\n"
        "Träger,Kurs 3,exam_prep,Koch/Köchin,50667,Köln,2030-09-07,2030-10-01,part_time,de,esf,a@b.example\n",
        encoding="utf-8",
    )
    status, out, err = lotse("offers", "import", str(bad), "--agency", AGENCY)
    assert status == 1
    assert out == ""
    assert "kaputt.csv: line 2: ends_on: the offer ends (2030-09-01) before it starts" in err
    assert "kaputt.csv: line 4: kind: 'exam_prep' is not one of exam_preparation, partial_qualification," in err
    assert "nothing loaded: 2 bad row(s) of 3" in err

    system = make_lotse()
    system.projections.runner.catch_up()
    titles = sorted(item.title for item in system.catalogue.search(READER, OfferQuery(agency=None)).items)
    assert titles == ["Deutsch B1", "Externenprüfung Handel"]
    found = system.catalogue.search(READER, OfferQuery(agency=None), occupation="Verkäuferin").items
    record = system.catalogue.read(LEAD, found[0].id)
    assert record.history[0].recorded_by == "import:rheinufer.csv"
    assert record.offer.occupations == ("Kaufmann/-frau im Einzelhandel", "Verkäufer/-in")


def test_lotse_offers_import_refuses_a_file_it_cannot_read(lotse: Run, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(f"{HEADER}\nTräger".encode("latin-1"))
    status, _, err = lotse("offers", "import", str(latin1), "--agency", AGENCY)
    assert status == 1
    assert "latin1.csv: line 2: not UTF-8" in err

    status, _, err = lotse("offers", "import", str(tmp_path / "missing.csv"), "--agency", AGENCY)
    assert status == 2
    assert "missing.csv" in err

    columns = tmp_path / "columns.csv"
    columns.write_text("provider;title;colour\n", encoding="utf-8")
    status, _, err = lotse("offers", "import", str(columns), "--agency", AGENCY)
    assert status == 1
    assert "line 1: colour: unknown column" in err
    assert "missing required column(s): kind, occupations" in err


def test_the_words_of_the_view_are_the_occupation_words(system: Lotse) -> None:
    created = system.catalogue.create(LEAD, offer(occupations=("Elektroniker/-in für Betriebstechnik",))).entry
    system.projections.runner.catch_up()
    words = {row[2] for row in view_rows(system.database)[OFFER_WORDS] if row[0] == str(created.id)}
    assert words == set(occupation_words("Elektronikerin für Betriebstechnik"))


# Case steps name offers of the catalogue (rule offer_of_agency), asked of the offers register itself


@pytest.fixture
def with_catalogue(make_lotse: Callable[..., Lotse]) -> Lotse:
    """Lotse whose case rules ask the offers register, not the suite's KnownOffers."""
    return make_lotse(offers=None)


def enrolment(offer_id: str, course_id: str = "c1") -> steps.CourseEnrolled:
    return steps.CourseEnrolled(
        date=date(2026, 3, 2),
        course_id=course_id,
        kind="language",
        provider="VHS Köln",
        funding="education_voucher",
        offer_id=offer_id,
    )


def plan_naming(*offer_ids: str) -> steps.PlanAgreed:
    return steps.PlanAgreed(
        date=date(2026, 2, 2),
        items=tuple(
            steps.PlanItem(
                item_id=f"p{number}",
                kind="language",
                description="Deutsch B2",
                target_date=date(2026, 9, 1),
                offer_id=offer_id,
            )
            for number, offer_id in enumerate(offer_ids, start=1)
        ),
    )


def test_a_plan_and_an_enrolment_name_offers_of_the_agency_s_catalogue_withdrawn_ones_too(
    with_catalogue: Lotse,
) -> None:
    language = offer(kind="language", occupations=(), title="Deutsch B2")
    listed = str(with_catalogue.catalogue.create(LEAD, language).entry.id)
    withdrawn = with_catalogue.catalogue.create(LEAD, language).entry.id
    with_catalogue.catalogue.withdraw(LEAD, withdrawn, "abgesagt")
    cases = with_catalogue.cases
    opened = cases.open_case(AGENCY, open_case_command(), COUNSELLOR).case

    cases.record_step(opened.id, plan_naming(listed, str(withdrawn)), COUNSELLOR, agency=AGENCY)
    cases.record_step(opened.id, enrolment(listed), COUNSELLOR, agency=AGENCY)
    case = cases.record_step(opened.id, enrolment(str(withdrawn), "c2"), COUNSELLOR, agency=AGENCY).case

    assert [(course.course_id, course.offer_id) for course in case.courses] == [("c1", listed), ("c2", str(withdrawn))]
    assert [(item.item_id, item.status, item.done_with) for item in case.plan_items] == [
        ("p1", "done", "course_enrolled"),
        ("p2", "done", "course_enrolled"),
    ]


@pytest.mark.parametrize("named", ["no offer's uuid", "no uuid", "another agency's offer", "a case's id"])
def test_an_offer_id_naming_no_offer_of_the_case_s_agency_is_refused_alike_and_records_nothing(
    with_catalogue: Lotse, named: str
) -> None:
    cases = with_catalogue.cases
    listed = str(with_catalogue.catalogue.create(LEAD, offer()).entry.id)
    opened = cases.open_case(AGENCY, open_case_command(), COUNSELLOR).case
    offer_id = {
        "no offer's uuid": str(UUID(int=0x5EED)),
        "no uuid": "vhs-b2-2026",
        "another agency's offer": str(with_catalogue.catalogue.create(OTHER_LEAD, offer(city="Bonn")).entry.id),
        "a case's id": str(cases.open_case(AGENCY, open_case_command(), COUNSELLOR).case.id),
    }[named]
    head = cases.recorder.max_notification_id()

    for refused, field in ((enrolment(offer_id), "offer_id"), (plan_naming(listed, offer_id), "items.1.offer_id")):
        with pytest.raises(RuleViolated) as caught:
            cases.record_step(opened.id, refused, COUNSELLOR, agency=AGENCY)
        assert (caught.value.rule, caught.value.field) == ("offer_of_agency", field)
        assert caught.value.facts == {"offer_id": offer_id, "agency": AGENCY}
        assert caught.value.detail == f"'{offer_id}' names no offer in the catalogue of agency '{AGENCY}'"
    assert cases.get_case(opened.id, personal_data=False).version == 1
    assert cases.recorder.max_notification_id() == head
