"""Texts the log kept from before 0.2 refused them: a NUL in what a register keeps in clear (an employer's name, an
outreach event's title, an offer's occupation) was accepted, and PostgreSQL's text holds no NUL. The views must
write such an event all the same, on both backends alike, or they stop at it for good: the log is never rewritten.

The commands are built as structs, not decoded, so they carry what the API refuses now (domain/vocabulary.py
LINE_PATTERN), as the API of 0.2 before that rule let them through.
"""

from datetime import timedelta
from typing import Any

import msgspec

from application.desk import EmployerListQuery, PeriodQuery
from application.ports import Principal
from domain.desk import RecordOutreachEvent
from domain.employers import ChangeEmployer, RegisterEmployer
from domain.offers import NewOffer
from infrastructure.eventstore.sql import Database
from infrastructure.projections.desk_views import DESK_VIEW_TABLES, OUTREACH_EVENTS
from infrastructure.projections.offer_views import OFFER_WORDS, OFFERS
from tests.integration.conftest import AGENCY, LotseFactory

LEAD = Principal(subject="lea", role="lead", agency=AGENCY)
REPLACED = "\ufffd"  # what a NUL reads as in a view


def view_rows(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    tables = (*DESK_VIEW_TABLES, OFFERS, OFFER_WORDS)
    return {table: sorted(database.fetchall(f"SELECT * FROM {database.table(table)}"), key=repr) for table in tables}


def test_a_nul_the_log_kept_is_written_to_the_views_as_a_replacement_and_they_go_on(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    runner = system.projections.runner
    today = system.cases.today()
    desk = system.desk
    firm = desk.register_employer(
        LEAD, RegisterEmployer(name="Bäckerei\x00Schmitz", size="small", sector="Hand\x00werk", postal_code="50667")
    ).employer
    desk.record_employer_step(LEAD, firm.id, ChangeEmployer(date=today, name="Bäckerei\x00Schmitz GmbH"))
    desk.record_outreach_event(
        LEAD,
        RecordOutreachEvent(
            date=today, title="Infoabend\x00VHS", kind="information_event", language="de", attendees=12
        ),
    )
    offer = NewOffer(
        provider="Bildungswerk\x00Rheinufer",
        title="Vorbereitung\x00Externenprüfung",
        kind="exam_preparation",
        occupations=("Kaufmann\x00Einzelhandel",),
        postal_code="50667",
        city="Köln",
        starts_on=today + timedelta(days=30),
        ends_on=today + timedelta(days=120),
        schedule="part_time",
        language="de",
        funding=("education_voucher",),
        contact="kurse@rheinufer.example",
    )
    offer_id = system.catalogue.create(LEAD, offer).entry.id
    after = desk.register_employer(
        LEAD, RegisterEmployer(name="Pflegedienst Sonne", size="micro", sector="Pflege", postal_code="50667")
    ).employer

    runner.catch_up()

    assert set(runner.positions().values()) == {runner.head()}  # and the events after the NULs are in them too
    listed = {row.employer_id: row for row in desk.employers(LEAD, EmployerListQuery(None, limit=10))}
    assert listed[firm.id].name == f"Bäckerei{REPLACED}Schmitz GmbH"
    assert listed[firm.id].sector == f"Hand{REPLACED}werk"
    assert listed[after.id].name == "Pflegedienst Sonne"
    events = desk.outreach_events(LEAD, PeriodQuery(None, limit=10))
    assert [event.title for event in events] == [f"Infoabend{REPLACED}VHS"]
    # The offer's document keeps the event's text, escaped; only its words are columns of their own.
    assert system.catalogue.read(LEAD, offer_id).offer.provider == "Bildungswerk\x00Rheinufer"
    rows = view_rows(runner.database)
    (document,) = [row[9] for row in rows[OFFERS]]
    assert msgspec.json.decode(document)["occupations"] == ["Kaufmann\x00Einzelhandel"]
    assert not any("\x00" in str(value) for table in rows.values() for row in table for value in row)
    assert [row[3] for row in rows[OUTREACH_EVENTS]] == [f"Infoabend{REPLACED}VHS"]

    runner.reset(["employers", "desk", "offers"])
    runner.catch_up()
    assert view_rows(runner.database) == rows
