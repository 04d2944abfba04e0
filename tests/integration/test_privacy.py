"""Personal data sealed under a key per client, on both backends: never in clear in the database, erased by
destroying the key (the log untouched, every statistic unchanged), and a clear error — never garbage — when the
master key is wrong or the key store lost."""

import base64
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from msgspec import to_builtins

from application.cases import CaseService
from application.errors import KeyStoreError
from application.ports import ALL_AGENCIES, CaseListQuery
from application.synthetic import load_demo
from domain import records, steps
from domain.events import PersonalDataErased
from domain.privacy import PERSONAL_FIELDS, PERSONAL_ITEM_FIELDS, field_path, redacted
from infrastructure.bootstrap import Lotse, bootstrap, utc_now
from infrastructure.eventstore.sql import Database
from infrastructure.projections.statistics_views import VIEW_TABLES
from infrastructure.settings import Settings
from tests.integration.conftest import (
    AGENCY,
    COUNSELLOR,
    MARKED_BIRTH_DATE,
    START,
    KnownCounsellors,
    KnownOffers,
    LotseFactory,
    ServiceFactory,
    SteppingClock,
    every_step,
    marked_opening,
    open_case_command,
    personal_value_count,
    with_personal_values,
)
from tests.raw_log import RawLog
from tests.raw_store import assert_nothing_in_clear, change_keys, key_row, raw_database


class CountingDigest:
    """A stand-in for the audit chain's digest: these tests compare figures, not digests."""

    def head_at(self, position: int) -> str:
        return f"digest-at-{position}"


@dataclass
class Sealed:
    """A journey whose every personal value carries a marker no other data contain."""

    case_id: UUID
    personal: steps.PersonalData
    secrets: list[str]  # every personal value recorded
    public: str  # a value recorded in clear (not personal): the scan must find it

    @property
    def personal_shown(self) -> dict[str, object]:
        """The personal data as the case shows them: the journey's profile correction recorded a birth date."""
        return {**to_builtins(self.personal), "birth_date": MARKED_BIRTH_DATE.isoformat()}


def record_sealed_journey(service: CaseService, marker: str | None = None) -> Sealed:
    marker = marker or uuid4().hex[:12]
    personal = steps.PersonalData(
        name=f"Name {marker}", email=f"mail-{marker}@example.org", phone=f"+49 {marker}", address=f"Street {marker}"
    )
    opening, secrets = marked_opening(marker, personal)
    case = service.open_case(AGENCY, opening, COUNSELLOR).case
    for step in every_step():
        marked, values = with_personal_values(step, marker)
        secrets += values.values()
        case = service.record_step(case.id, marked, COUNSELLOR, agency=AGENCY).case
    # An id is not personal: stored in clear, it shows that the scan sees the stored data.
    public = f"assessment-{marker}"
    started = steps.AssessmentStarted(date=date(2026, 5, 26), assessment_id=public, instrument="profilpass")
    case = service.record_step(case.id, started, COUNSELLOR, agency=AGENCY).case
    return Sealed(case.id, personal, secrets, public)


def personal_values_in(step_type: str, data: dict[str, Any], shown: object = None) -> list[object]:
    """The personal values a history entry's data still show: every personal field (and every one of a list's items)
    must be None (`shown`: the personal data block as it reads unopened)."""
    values = [
        value
        for name in PERSONAL_FIELDS.get(step_type, ())
        if (value := _at(data, field_path(name))) not in (None, shown)
    ]
    for part, names in PERSONAL_ITEM_FIELDS.get(step_type, {}).items():
        values += [item[name] for item in data[part] for name in names if item[name] is not None]
    return values


def _at(data: dict[str, Any], path: tuple[str, ...]) -> object:
    for name in path:
        if not isinstance(data, dict) or name not in data:
            return None
        data = data[name]
    return data


@pytest.fixture
def sealed(service: CaseService) -> Sealed:
    return record_sealed_journey(service)


def test_personal_data_are_stored_only_sealed(service: CaseService, settings: Settings, sealed: Sealed) -> None:
    snapshots = service.snapshots
    assert snapshots is not None
    assert list(snapshots.get(sealed.case_id)), "snapshots hold the case state: they are scanned too"
    free_text = sum(personal_value_count(step) for step in every_step())
    assert len(sealed.secrets) == 5 + free_text  # the personal data block, the target occupation, every free text
    assert [secret for secret in sealed.secrets if "items." in secret], "plan items' descriptions are scanned too"

    assert_nothing_in_clear(settings, sealed.secrets, sealed.public)
    opened = next(iter(service.recorder.select_events(sealed.case_id)))
    envelope = msgspec.json.decode(opened.state)["personal"]
    assert set(envelope) == {"sealed", "key"}
    assert envelope["key"] == str(sealed.case_id)


def test_counselling_reads_open_them_and_other_reads_never_do(make_service: ServiceFactory, sealed: Sealed) -> None:
    restarted = make_service()  # nothing cached: everything comes from the store

    case = restarted.get_case(sealed.case_id, personal_data=True)
    assert to_builtins(case.personal) == sealed.personal_shown
    assert case.assessments[0].result is not None
    assert case.assessments[0].result in sealed.secrets
    notes = [
        entry.data["note"] for entry in restarted.history(sealed.case_id, personal_data=True) if "note" in entry.data
    ]
    assert notes
    assert notes[0] in sealed.secrets

    unopened = restarted.get_case(sealed.case_id, personal_data=False)
    assert unopened.personal == records.PersonalData()  # present, not opened: not to be mistaken for erased
    assert not unopened.personal_data_erased
    assert unopened.assessments[0].result is None
    assert case.qualifications[0].title in sealed.secrets
    assert case.referrals[0].purpose in sealed.secrets
    assert {item.description for item in case.plan_items} <= set(sealed.secrets)
    for entry in restarted.history(sealed.case_id, personal_data=False):
        assert not personal_values_in(entry.type, entry.data, shown=msgspec.to_builtins(records.PersonalData())), entry
    assert (unopened.qualifications[0].title, unopened.referrals[0].purpose) == (None, None)
    assert {item.description for item in unopened.plan_items} == {None}
    assert redacted(unopened) == redacted(case)  # everything else reads the same


def test_erasure_destroys_the_key_and_leaves_the_log_untouched(
    system: Lotse, service: CaseService, make_service: ServiceFactory, settings: Settings, sealed: Sealed
) -> None:
    raw = RawLog(settings)
    before = raw.rows()
    wrapped, erased_at = key_row(settings, sealed.case_id) or (None, None)
    assert wrapped is not None
    assert erased_at is None

    recorded = service.erase_personal_data(sealed.case_id, "lea", agency=AGENCY)

    after = raw.rows()
    assert after[: len(before)] == before  # not one byte of the log changed
    assert [row[3] for row in after[len(before) :]] == [PersonalDataErased.TOPIC]
    assert recorded.case.personal_data_erased
    destroyed, erased_at = key_row(settings, sealed.case_id) or ("missing", None)
    assert destroyed is None
    assert erased_at is not None
    assert system.audit.verify().ok
    assert_nothing_in_clear(settings, sealed.secrets, sealed.public)

    for reader in (service, make_service()):  # this process, and one that never held the key
        for personal_data in (True, False):
            case = reader.get_case(sealed.case_id, personal_data=personal_data)
            assert case.personal is None
            assert case.personal_data_erased
            for version in range(1, recorded.case.version + 1):
                past = reader.case_as_of_version(sealed.case_id, version, personal_data=personal_data)
                assert past.personal is None, version
                assert all(assessment.result is None for assessment in past.assessments)
            at = reader.case_as_of(sealed.case_id, START + timedelta(minutes=3), personal_data=personal_data)
            assert at.personal is None
            assert all(item.description is None for item in case.plan_items)
            assert (case.qualifications[0].title, case.referrals[0].purpose) == (None, None)
            history = reader.history(sealed.case_id, personal_data=personal_data)
            for entry in history:
                assert not personal_values_in(entry.type, entry.data), entry
            assert [entry.version for entry in history] == list(range(1, recorded.case.version + 1))


def test_a_step_recorded_after_the_erasure_keeps_no_free_text(
    service: CaseService, make_service: ServiceFactory, settings: Settings, sealed: Sealed
) -> None:
    service.erase_personal_data(sealed.case_id, "lea", agency=AGENCY)
    late = f"after the erasure {uuid4().hex}"

    answered = service.record_step(
        sealed.case_id,
        steps.CounsellingSessionHeld(date=date(2026, 5, 28), minutes=30, note=late),
        COUNSELLOR,
        agency=AGENCY,
    ).case

    assert answered.personal_data_erased
    assert make_service().history(sealed.case_id, personal_data=True)[-1].data["note"] is None
    assert_nothing_in_clear(settings, [*sealed.secrets, late], sealed.public)
    last = list(service.recorder.select_events(sealed.case_id))[-1]
    assert msgspec.json.decode(last.state)["note"] == {"erased": True, "key": str(sealed.case_id)}


def view_rows(service: CaseService) -> dict[str, list[tuple[Any, ...]]]:
    database = Database(service.recorder.datastore)  # type: ignore[attr-defined]
    return {
        table: sorted(database.fetchall(f"SELECT * FROM {database.table(table)}"), key=repr) for table in VIEW_TABLES
    }


def test_statistics_are_identical_before_and_after_erasure(make_lotse: LotseFactory) -> None:
    system = make_lotse(clock=utc_now, counsellors=None, log_digest=CountingDigest())
    service = system.cases
    load_demo(service, system.staff, cases=40, seed=3)
    projections = system.projections
    projections.runner.catch_up()
    reporting = projections.reporting
    period = (date(2000, 1, 1), date(2100, 1, 1))

    def figures(as_of_position: int | None = None) -> Any:
        esf = [
            reporting.esf(agency, *period, basis, as_of_position).counts
            for agency in (None, "koeln")
            for basis in ("entry", "exit")
        ]
        return esf, reporting.funnel(None, as_of_position).pathways

    position = projections.runner.head()
    before, views_before = figures(), view_rows(service)
    assert sum(before[0][0]["EECO01"].values()) > 0
    cases = [summary.case_id for summary in service.list_cases(CaseListQuery(agency=None, limit=10_000))]
    for case_id in cases:
        service.erase_personal_data(case_id, "lea", agency=ALL_AGENCIES)
    projections.runner.catch_up()

    assert projections.runner.head() == position + len(cases)
    assert figures() == before  # live, from the views
    assert figures(as_of_position=position + len(cases)) == before  # replayed from the raw events
    assert figures(as_of_position=position) == before  # what was published before the erasure
    assert view_rows(service) == views_before


def start(settings: Settings) -> None:
    """Starts (and stops) a service, as `lotse serve` would."""
    bootstrap(settings).close()


def test_a_wrong_master_key_stops_the_start(make_service: ServiceFactory, settings: Settings) -> None:
    record_sealed_journey(make_service())

    with pytest.raises(KeyStoreError, match="master key does not open the key store") as caught:
        start(replace(settings, master_key="ab" * 32))

    assert caught.value.reason == "wrong_master_key"
    start(settings)  # the right key still opens it: nothing was changed by the refused start


@pytest.mark.parametrize("loss", ["emptied", "dropped"])
def test_a_lost_key_store_stops_the_start(make_service: ServiceFactory, settings: Settings, loss: str) -> None:
    record_sealed_journey(make_service())
    change_keys(settings, "DELETE FROM {keys}" if loss == "emptied" else "DROP TABLE {keys}")

    with pytest.raises(KeyStoreError, match="lost its check record") as caught:
        start(settings)

    assert caught.value.reason == "key_store_lost"


def test_a_missing_key_is_a_clear_error_for_that_case_alone(
    make_service: ServiceFactory, make_lotse: LotseFactory, settings: Settings
) -> None:
    service = make_service()
    lost, kept = record_sealed_journey(service), record_sealed_journey(service)
    change_keys(settings, "DELETE FROM {keys} WHERE case_id = ?", (str(lost.case_id),))
    restarted_system = make_lotse(log_digest=CountingDigest())
    restarted = restarted_system.cases

    for read in (
        lambda: restarted.get_case(lost.case_id, personal_data=True),
        lambda: restarted.history(lost.case_id, personal_data=True),
        lambda: restarted.case_as_of_version(lost.case_id, 1, personal_data=True),
    ):
        with pytest.raises(KeyStoreError, match=f"holds no key for case {lost.case_id}") as caught:
            read()
        assert caught.value.reason == "key_missing"
    assert to_builtins(restarted.get_case(kept.case_id, personal_data=True).personal) == kept.personal_shown
    # The first contact, every step and the assessment started last (record_sealed_journey).
    assert restarted.get_case(lost.case_id, personal_data=False).version == len(every_step()) + 2
    projections = restarted_system.projections
    assert projections.runner.catch_up() > 0  # statistics never need a key

    restarted.erase_personal_data(lost.case_id, "lea", agency=AGENCY)  # erasure needs no key either
    assert restarted.get_case(lost.case_id, personal_data=True).personal is None
    assert key_row(settings, lost.case_id) is not None


def test_a_key_moved_to_another_case_does_not_open(make_service: ServiceFactory, settings: Settings) -> None:
    service = make_service()
    first, second = record_sealed_journey(service), record_sealed_journey(service)
    second_key = key_row(settings, second.case_id)
    assert second_key is not None
    change_keys(settings, "UPDATE {keys} SET wrapped_key = ? WHERE case_id = ?", (second_key[0], str(first.case_id)))

    with pytest.raises(KeyStoreError) as caught:
        make_service().get_case(first.case_id, personal_data=True)

    assert caught.value.reason == "key_mismatch"


def test_the_master_key_wraps_every_key_and_is_never_stored(system: Lotse, settings: Settings, sealed: Sealed) -> None:
    master = (settings.data_dir / "master.key").read_text().strip()
    assert (settings.data_dir / "master.key").stat().st_mode & 0o777 == 0o600
    raw = raw_database(settings)

    assert master.encode() not in raw
    assert bytes.fromhex(master) not in raw
    assert system.key_vault.cipher_for(sealed.case_id) is not None


def test_withdrawn_consent_reaches_back_in_reads_but_not_in_published_figures(
    make_lotse: LotseFactory, clock: SteppingClock
) -> None:
    system = make_lotse(log_digest=CountingDigest())
    service = system.cases
    profile = msgspec.structs.replace(open_case_command().profile, disability="yes", minority="yes")
    opened = service.open_case(
        AGENCY, open_case_command(profile=profile, consent=steps.Consent(special_categories=True)), COUNSELLOR
    ).case
    corrected = service.record_step(
        opened.id,
        steps.ProfileCorrected(date=date(2026, 1, 6), profile=steps.ProfileChanges(minority="no")),
        COUNSELLOR,
        agency=AGENCY,
    ).case
    projections = system.projections
    projections.runner.catch_up()
    published_at = projections.runner.head()
    period = (date(2026, 1, 1), date(2026, 12, 31))
    published = projections.reporting.esf(None, *period, "entry")
    assert (published.counts["EECO12"]["total"], published.counts["EECO15"]["total"]) == (1, 0)

    service.record_step(
        opened.id, steps.ConsentChanged(date=date(2026, 1, 7), special_categories=False), COUNSELLOR, agency=AGENCY
    )
    projections.runner.catch_up()

    now = projections.reporting.esf(None, *period, "entry")
    assert now.counts["EECO12"]["total"] == 0  # no longer used from the withdrawal on
    assert projections.reporting.esf(None, *period, "entry", as_of_position=published_at) == published
    for version in (1, corrected.version):
        past = service.case_as_of_version(opened.id, version, personal_data=True)
        assert (past.profile.disability, past.profile.minority) == ("unknown", "unknown"), version
        assert past.special_categories_consent  # that consent was given then is a fact, not special-category data
    instant = service.case_as_of(opened.id, clock.peek(), personal_data=True)
    assert instant.profile.disability == "unknown"
    history = service.history(opened.id, personal_data=True)
    assert history[0].data["profile"]["disability"] == "unknown"
    assert history[0].data["profile"]["minority"] == "unknown"
    assert history[0].data["profile"]["gender"] == "female"  # the rest of the profile stays
    assert history[1].data["profile"] == {"minority": "unknown"}

    service.record_step(
        opened.id, steps.ConsentChanged(date=date(2026, 1, 8), special_categories=True), COUNSELLOR, agency=AGENCY
    )
    again = service.record_step(
        opened.id,
        steps.ProfileCorrected(date=date(2026, 1, 9), profile=steps.ProfileChanges(disability="yes")),
        COUNSELLOR,
        agency=AGENCY,
    ).case
    # recorded after a new consent
    assert service.history(opened.id, personal_data=True)[-1].data["profile"] == {"disability": "yes"}
    assert service.case_as_of_version(opened.id, again.version, personal_data=True).profile.disability == "yes"
    assert service.case_as_of_version(opened.id, 1, personal_data=True).profile.disability == "unknown"


def test_the_erasure_itself_leaves_no_trace_of_the_key_in_the_sqlite_files(tmp_path: Path) -> None:
    """SQLite alone: PostgreSQL keeps old row versions until VACUUM (README: Privacy). No `lotse erase` needed: the
    erasure through the API takes the same path."""
    settings = Settings(data_dir=tmp_path / "data", snapshot_interval=5)
    system = bootstrap(settings, clock=SteppingClock(), counsellors=KnownCounsellors(), offers=KnownOffers())
    service = system.cases
    try:
        sealed = record_sealed_journey(service)
        row = key_row(settings, sealed.case_id)
        assert row is not None
        wrapped = str(row[0]).encode()
        assert wrapped in raw_database(settings)

        service.erase_personal_data(sealed.case_id, "lea", agency=AGENCY)

        assert wrapped not in raw_database(settings)
        assert base64.b64decode(wrapped) not in raw_database(settings)
    finally:
        system.close()


def test_the_sqlite_files_are_readable_by_the_service_alone(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    system = bootstrap(settings, clock=SteppingClock(), counsellors=KnownCounsellors(), offers=KnownOffers())
    try:
        record_sealed_journey(system.cases)
        files = sorted(settings.data_dir.glob(f"{settings.sqlite_path.name}*"))
        assert [path.name for path in files] != []
        assert {path.name: path.stat().st_mode & 0o777 for path in files} == dict.fromkeys(
            (path.name for path in files), 0o600
        )
    finally:
        system.close()


def test_the_files_of_an_earlier_installation_are_narrowed_at_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    bootstrap(settings).close()
    settings.sqlite_path.chmod(0o644)

    bootstrap(settings).close()

    assert settings.sqlite_path.stat().st_mode & 0o777 == 0o600
