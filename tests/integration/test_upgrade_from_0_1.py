"""A real 0.1 installation opens in place under the current code and reads exactly as 0.1 answered.

tests/fixtures/install_0_1 holds, per backend, an installation that release 0.1 (commit ed3e269) built with its own
code (see make_installation.py there): the SQLite data directory, or the key files plus a `pg_dump` of the
PostgreSQL schema, and expected.json with what 0.1 answered over HTTP. Each test copies it (SQLite) or loads the dump
into a fresh schema (PostgreSQL), starts the current app on it and talks to it through the HTTP API only, with tokens
the current `lotse token issue` prints for the staff the installation registered.

Where 0.1's answer is compared with today's, every key 0.1 answered must be there with the same value; keys the
current answer adds are tolerated (a later release may add optional fields, and may upcast old events with new
fields' defaults). Counts, versions, types, dates, authors and instants must match exactly. The one derived value
API.md changes on purpose in 0.2, which steps count as contact with the client, is checked as such
(`_state_differences`).
"""

import base64
import copy
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar.testing import TestClient

from api.app import create_app
from application import exports, reports  # noqa: F401  (the extracts they mark `leaves_unread`)
from application.replay import marked_unread
from application.statistics import CURRENT_DEFINITION, DEFINITION_0_1
from domain.case import Case
from domain.events import CounsellingSessionHeld
from domain.indicators import OUTPUT_CODES, RESULT_CODES
from domain.privacy import PERSONAL_FIELDS, PERSONAL_PARTS, PERSONAL_PROFILE_FIELDS, field_path
from infrastructure.bootstrap import bootstrap
from infrastructure.cli import main as cli
from infrastructure.settings import Settings

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "install_0_1"
FIXTURE_SCHEMA = "lotse_install_0_1"
KEY_FILES = ("master.key", "token-signing.key", "audit-signing.pem")  # 0.1's key files in its data directory
PAGE = 20
AFTER_EVERY_EVENT = "2100-01-01T00:00:00Z"  # an instant after everything the 0.1 installation recorded

Json = dict[str, Any]


@dataclass(frozen=True)
class Installation:
    """The upgraded installation, served by the current app, with what 0.1 answered about it."""

    backend: str
    expected: Json
    client: TestClient[Any]
    tokens: dict[str, str]  # "counsellor", "auditor", and "lead:<agency>"

    def request(self, method: str, path: str, who: str, status: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", **kwargs.pop("headers", {})}
        response = self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == status, (
            f"[{self.backend}] {method} {path} as {who}: expected {status}, got {response.status_code}: {response.text}"
        )
        return response

    def get(self, path: str, who: str) -> Any:
        return self.request("GET", path, who).json()

    def lead_of(self, case_id: str) -> str:
        return f"lead:{self.expected['cases'][case_id]['agency']}"

    def log_head(self) -> int:
        response = self.client.get("/ready")
        assert response.status_code == 200, f"[{self.backend}] GET /ready: {response.status_code} {response.text}"
        position: int = response.json()["log_position"]
        return position


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def installation(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Installation]:
    backend: str = request.param
    source = FIXTURE / backend
    expected: Json = json.loads((source / "expected.json").read_text())
    data_dir = tmp_path / "data"
    shutil.copytree(source / "data", data_dir)  # the fixture itself is never opened, so never changed
    for name in KEY_FILES:  # as 0.1 wrote them (git keeps no file modes)
        (data_dir / name).chmod(0o600)
    for name in [name for name in os.environ if name.startswith("LOTSE_") and name != "LOTSE_TEST_DATABASE_URL"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LOTSE_DATA_DIR", str(data_dir))
    server: str | None = None
    schema = f"lotse_upgrade_{uuid.uuid4().hex[:12]}"
    if backend == "postgres":
        server = request.getfixturevalue("postgres_server")
        _load_dump(server, (source / "schema.sql").read_text(), schema)
        monkeypatch.setenv("LOTSE_DATABASE_URL", f"{server}{'&' if '?' in server else '?'}schema={schema}")
        monkeypatch.setenv("LOTSE_PROJECTIONS", "inline")  # followed inside the app, as in the SQLite default
        # The upgrade on PostgreSQL: the owner migrates before 0.2 serves (SQLite migrates by itself at start).
        code, out, err = _lotse("migrate")
        assert code == 0, err
        assert "applied migration 1" in out, out
    try:
        staff = expected["staff"]
        counsellor = staff["counsellor"]
        tokens = {
            "counsellor": _issue_token(counsellor["subject"], "counsellor", counsellor["agency"]),
            "auditor": _issue_token(staff["funder_auditor"], "auditor", "*"),
        }
        for agency, lead in staff["leads"].items():
            tokens[f"lead:{agency}"] = _issue_token(lead, "lead", agency)
        with TestClient(app=create_app(Settings.from_environ())) as client:
            yield Installation(backend=backend, expected=expected, client=client, tokens=tokens)
    finally:
        if server is not None:
            with psycopg.connect(server, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _load_dump(server: str, dump: str, schema: str) -> None:
    """Loads 0.1's plain-SQL dump into `schema`: the schema's name replaced, psql's meta-commands left out."""
    assert f"CREATE SCHEMA {FIXTURE_SCHEMA};" in dump, "the dump does not create the schema it was taken from"
    statements = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
    statements = re.sub(rf"\b{FIXTURE_SCHEMA}\b", schema, statements)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(statements)  # a trusted, committed file


def _lotse(*args: str) -> tuple[int, str, str]:
    """Runs the `lotse` command in-process with the environment the test set; answers its status, stdout, stderr.

    (Not capsys: the app configures logging once, and a handler must not keep a stream that capsys closes.)
    """
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli.main(list(args))
    return status, out.getvalue(), err.getvalue()


def _issue_token(subject: str, role: str, agency: str) -> str:
    """`lotse token issue` as the operator runs it (it registers counsellors and leads); answers the printed token."""
    status, out, err = _lotse("token", "issue", "--subject", subject, "--role", role, "--agency", agency)
    assert status == 0, f"lotse token issue --subject {subject} --role {role} --agency {agency}: exit {status}: {err}"
    words = out.split()
    assert len(words) == 1, f"lotse token issue should print the token alone, printed: {out!r}"
    return words[0]


def _differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Where `new` does not answer what `old` (0.1's answer) did; keys only `new` has are no difference."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [f"{path or '.'}: 0.1 answered an object, now {new!r}"]
        found: list[str] = []
        for key, value in old.items():
            if key not in new:
                found.append(f"{path}.{key}: missing (0.1 answered {value!r})")
            elif key == "recorded_at" and isinstance(value, str) and isinstance(new[key], str):
                if _instant(value) != _instant(new[key]):
                    found.append(f"{path}.{key}: 0.1 answered {value}, now {new[key]}")
            else:
                found.extend(_differences(value, new[key], f"{path}.{key}"))
        return found
    if isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            return [f"{path or '.'}: 0.1 answered {old!r}, now {new!r}"]
        return [line for index, item in enumerate(old) for line in _differences(item, new[index], f"{path}[{index}]")]
    return [] if old == new and type(old) is type(new) else [f"{path or '.'}: 0.1 answered {old!r}, now {new!r}"]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _report(backend: str, what: str, differences: list[str], limit: int = 40) -> str:
    shown = "\n  ".join(differences[:limit])
    more = f"\n  … and {len(differences) - limit} more" if len(differences) > limit else ""
    return f"[{backend}] {what}: {len(differences)} difference(s) from 0.1's answers:\n  {shown}{more}"


def _as_0_2_reads_an_erased_case(case: Json) -> Json:
    """0.1's answers about a case it erased, as 0.2 answers them on purpose: 0.2 seals every free text about the
    client (domain/privacy.py), and the text 0.1 had stored in clear (topics, the target occupation, …) reads as
    erased once the client's key is destroyed. The stored events are not changed."""
    history = copy.deepcopy(case["history"])
    for event in history["events"]:
        for name in PERSONAL_FIELDS.get(event["type"], ()):
            *parents, last = field_path(name)
            place = event["data"]
            for parent in parents:
                place = place.get(parent) if isinstance(place, dict) else None
            if isinstance(place, dict) and last in place:
                place[last] = None
    state = copy.deepcopy(case["state"])
    for name in PERSONAL_PROFILE_FIELDS:
        if name in state["profile"]:
            state["profile"][name] = None
    for part, names in PERSONAL_PARTS.items():
        for item in state.get(part, ()):
            item.update({name: None for name in names if name in item})
    return {**case, "history": history, "state": state}


def _history_differences(old: Json, new: Json, case_id: str) -> list[str]:
    """The history must hold the same events, each with the same version, type, date, author, instant and data."""
    if new.get("id") != old["id"]:
        return [f"{case_id}: history of {new.get('id')!r}"]
    old_events, new_events = old["events"], new["events"]
    if len(new_events) != len(old_events):
        versions = [(event["version"], event["type"]) for event in new_events]
        return [f"{case_id}: 0.1 answered {len(old_events)} events, now {len(new_events)}: {versions}"]
    found: list[str] = []
    for old_event, new_event in zip(old_events, new_events, strict=True):
        where = f"{case_id} v{old_event['version']} {old_event['type']}"
        for key in ("version", "type", "date", "recorded_by"):
            if new_event.get(key) != old_event[key]:
                found.append(f"{where}: {key} was {old_event[key]!r}, now {new_event.get(key)!r}")
        if "recorded_at" not in new_event or _instant(new_event["recorded_at"]) != _instant(old_event["recorded_at"]):
            found.append(f"{where}: recorded_at was {old_event['recorded_at']}, now {new_event.get('recorded_at')}")
        found.extend(f"{where}: data{line}" for line in _differences(old_event["data"], new_event.get("data")))
    return found


def _state_differences(old: Json, new: Json, case_id: str) -> list[str]:
    """The case's state must be 0.1's, but for the one derived value API.md changes in 0.2 on purpose.

    0.2: "Only contacts with the client (first contact, counselling sessions, assessments, reopening, a reached
    follow-up) reset `no_contact`; decisions of authorities do not." So `last_contact_on` may now be an earlier
    step's date than 0.1 said (never later, never before the first contact), and the `no_contact` deadline moves
    with it by the same number of days. Every deadline 0.1 listed is still listed with its due date otherwise;
    deadlines of kinds 0.1 did not know (0.2 adds some) are additions, like added keys.
    """
    old, new = dict(old), dict(new)
    old_contact, new_contact = old.pop("last_contact_on"), new.pop("last_contact_on", None)
    old_deadlines, new_deadlines = old.pop("deadlines"), new.pop("deadlines", None)
    found = [f"{case_id}{line}" for line in _differences(old, new)]
    if not isinstance(new_contact, str) or not old["opened_on"] <= new_contact <= old_contact:
        found.append(
            f"{case_id}.last_contact_on: 0.1 answered {old_contact}, now {new_contact!r}"
            f" (may only be earlier under 0.2's contact rule, not before opened_on {old['opened_on']})"
        )
        return found
    if not isinstance(new_deadlines, list):
        return [*found, f"{case_id}.deadlines: 0.1 answered {old_deadlines}, now {new_deadlines!r}"]
    shift = date.fromisoformat(new_contact) - date.fromisoformat(old_contact)
    known_kinds = {"recognition_decision", "follow_up", "no_contact"}  # 0.1's deadline kinds
    remaining = [item for item in new_deadlines if item.get("kind") in known_kinds]
    for deadline in old_deadlines:
        due = date.fromisoformat(deadline["due"]) + (shift if deadline["kind"] == "no_contact" else timedelta())
        wanted = {**deadline, "due": due.isoformat()}
        match = next((item for item in remaining if not _differences(wanted, item)), None)
        if match is None:
            found.append(
                f"{case_id}.deadlines: 0.1's {deadline} (now due {wanted['due']}) missing from {new_deadlines}"
            )
        else:
            remaining.remove(match)
    found.extend(f"{case_id}.deadlines: {item} is new, 0.1 had {old_deadlines}" for item in remaining)
    return found


def test_every_case_is_listed_and_reads_as_0_1_answered(installation: Installation) -> None:
    expected = installation.expected
    listed: dict[str, str] = {}
    for agency in expected["staff"]["leads"]:
        cursor: str | None = None
        while True:
            query = f"/cases?limit={PAGE}" + (f"&cursor={cursor}" if cursor else "")
            page = installation.get(query, f"lead:{agency}")
            listed.update((item["id"], item["agency"]) for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert listed == {case_id: case["agency"] for case_id, case in expected["cases"].items()}, (
        f"[{installation.backend}] the leads' case lists differ from 0.1's: "
        f"missing {sorted(set(expected['cases']) - set(listed))}, new {sorted(set(listed) - set(expected['cases']))}"
    )

    history: list[str] = []
    state: list[str] = []
    for case_id, answered in expected["cases"].items():
        case = _as_0_2_reads_an_erased_case(answered) if case_id == expected["erased_case"] else answered
        lead = installation.lead_of(case_id)
        history.extend(
            _history_differences(case["history"], installation.get(f"/cases/{case_id}/history", lead), case_id)
        )
        state.extend(_state_differences(case["state"], installation.get(f"/cases/{case_id}", lead), case_id))
        # Replayed from the events alone (no snapshot), 0.1's stored layouts among them: the same state.
        replayed = installation.get(f"/cases/{case_id}?as_of={AFTER_EVERY_EVENT}", lead)
        state.extend(f"as of now: {line}" for line in _state_differences(case["state"], replayed, case_id))
    assert not history, _report(installation.backend, "GET /cases/{id}/history as the agency's lead", history)
    assert not state, _report(installation.backend, "GET /cases/{id} as the agency's lead", state)
    assert sum(len(case["history"]["events"]) for case in expected["cases"].values()) == expected["log_head"]
    assert installation.log_head() == expected["log_head"], (
        f"[{installation.backend}] opening the 0.1 installation moved the event log's head"
        f" from {expected['log_head']} to {installation.log_head()}: an upgrade must not record or rewrite events"
    )


def test_personal_data_erasure_and_consent_withdrawal_read_as_before(installation: Installation) -> None:
    backend, expected = installation.backend, installation.expected
    opened = expected["opened_with_personal_data"]
    lead = installation.lead_of(opened["case_id"])
    case = installation.get(f"/cases/{opened['case_id']}", lead)
    assert case["personal"] is not None, f"[{backend}] the lead no longer sees the personal data of a 0.1 case"
    for field in ("name", "email", "phone", "address"):
        assert case["personal"][field] == opened["personal"][field], (
            f"[{backend}] personal.{field} of case {opened['case_id']} reads {case['personal'][field]!r},"
            f" 0.1 sealed {opened['personal'][field]!r}: the client's key or the sealed data no longer open"
        )
    events = installation.get(f"/cases/{opened['case_id']}/history", lead)["events"]
    notes = [event["data"].get("note") for event in events if event["type"] == "counselling_session_held"]
    assert notes == [opened["note"]], f"[{backend}] the session note 0.1 sealed reads {notes!r}"
    as_auditor = installation.get(f"/cases/{opened['case_id']}", "auditor")
    assert as_auditor["personal"] is None, f"[{backend}] an auditor is shown personal data: {as_auditor['personal']}"

    erased_id = expected["erased_case"]
    erased = installation.get(f"/cases/{erased_id}", installation.lead_of(erased_id))
    assert erased["personal"] is None, f"[{backend}] case {erased_id}, erased under 0.1, shows {erased['personal']}"
    assert erased["personal_data_erased"] is True, f"[{backend}] case {erased_id} no longer says it was erased"
    free_text = [
        (event["version"], event["type"], name, event["data"][name])
        for event in installation.get(f"/cases/{erased_id}/history", installation.lead_of(erased_id))["events"]
        for name in ("personal", "note", "result", "topics")
        if event["data"].get(name) is not None
    ]
    assert not free_text, f"[{backend}] case {erased_id} was erased under 0.1 but its history shows {free_text}"
    # Stored in clear by 0.1, read as erased by 0.2 (stored history is not rewritten; SECURITY.md says what remains).
    assert erased["profile"]["target_occupation"] is None, erased["profile"]
    assert all(item.get("result") is None for item in erased["assessments"]), erased["assessments"]

    consent_id = expected["consent_withdrawn_case"]
    lead = installation.lead_of(consent_id)
    withdrawn = installation.get(f"/cases/{consent_id}", lead)
    special = {name: withdrawn["profile"][name] for name in ("disability", "minority")}
    assert special == {"disability": "unknown", "minority": "unknown"}, (
        f"[{backend}] case {consent_id} recorded disability 'yes' under consent that was withdrawn under 0.1;"
        f" it must read as unknown, reads {special}"
    )
    assert withdrawn["special_categories_consent"] is False, f"[{backend}] consent of {consent_id} reads as given"
    opening = installation.get(f"/cases/{consent_id}/history", lead)["events"][0]
    recorded = {name: opening["data"]["profile"][name] for name in ("disability", "minority")}
    assert recorded == {"disability": "unknown", "minority": "unknown"}, (
        f"[{backend}] the history of {consent_id} shows the withdrawn special categories: {recorded}"
    )


def test_a_client_of_0_1_is_found_by_name_after_the_upgrade(installation: Installation) -> None:
    # 0.1 kept no name index: the start indexes its cases (and no erased client), recording no event.
    opened = installation.expected["opened_with_personal_data"]
    lead = installation.lead_of(opened["case_id"])
    found = installation.request("GET", "/cases", lead, params={"q": "kovalenko SCHAEFER olena"}).json()["items"]
    assert [(item["id"], item["name"]) for item in found] == [(opened["case_id"], opened["personal"]["name"])], (
        f"[{installation.backend}] GET /cases?q= does not find {opened['personal']['name']!r}, a client of 0.1"
    )


def test_audit_chain_and_the_0_1_checkpoint_still_verify(installation: Installation, tmp_path: Path) -> None:
    backend, expected = installation.backend, installation.expected
    old = expected["audit_verify"]
    verify = installation.get("/audit/verify", "auditor")
    assert verify["ok"] is True, f"[{backend}] GET /audit/verify fails on the 0.1 log: {verify}"
    for key in ("events_checked", "head", "position", "first_bad_position", "checkpoints_checked"):
        assert verify.get(key) == old[key], f"[{backend}] /audit/verify {key}: 0.1 answered {old[key]!r}, now {verify}"

    checkpoint = expected["checkpoint"]
    assert (checkpoint["position"], checkpoint["head"]) == (old["position"], old["head"])
    public_key = FIXTURE / backend / "audit-public-key.pem"
    checkpoint_file = FIXTURE / backend / "checkpoint.json"
    status, out, err = _lotse("audit", "verify", "--public-key", str(public_key), "--checkpoint", str(checkpoint_file))
    assert status == 0, f"[{backend}] lotse audit verify with 0.1's exported public key: exit {status}\n{out}\n{err}"
    result = json.loads(out)
    assert result["ok"] is True, f"[{backend}] lotse audit verify with 0.1's public key fails: {result}"
    assert result["head"] == old["head"], f"[{backend}] lotse audit verify: head {result['head']}, 0.1: {old['head']}"
    assert result["checkpoints_checked"] >= 1, f"[{backend}] the 0.1 checkpoint was not checked: {result}"

    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    status, out, _ = _lotse("audit", "verify", "--public-key", str(stranger), "--checkpoint", str(checkpoint_file))
    assert status == 1, f"[{backend}] a checkpoint verified with a key that never signed it: {out}"


def test_statistics_published_under_0_1_are_reproduced(installation: Installation) -> None:
    """Asked under 0.1's definition, the figures 0.1 published come back exactly, with no field more; the default
    answer follows this release's definition and says so."""
    expected = installation.expected
    period, head = expected["statistics_period"], expected["log_head"]
    for basis, old in expected["statistics"].items():
        query = f"/statistics/esf?from={period['from']}&to={period['to']}&basis={basis}&as_of_position={head}"
        under_0_1 = f"{query}&definition_version={old['definition_version']}"
        now = installation.get(under_0_1, "auditor")
        differences = _differences(old, now) + [f".{key}: not in 0.1's answer" for key in set(now) - set(old)]
        assert not differences, _report(installation.backend, f"GET {under_0_1} as a funder's auditor", differences)

        current = installation.get(query, "auditor")
        assert old["definition_version"] == DEFINITION_0_1
        assert current["definition_version"] == CURRENT_DEFINITION, f"[{installation.backend}] {current}"
        assert (current["as_of_position"], current["digest"]) == (old["as_of_position"], old["digest"])
        assert set(current["indicators"]) == set([*OUTPUT_CODES, "EECO19"] if basis == "entry" else RESULT_CODES)


def test_sessions_0_1_stored_are_left_unread_by_the_replays_of_the_statistics(installation: Installation) -> None:
    """0.1 stored its sessions under their class version 1's topic: the replays that leave sessions unread leave
    those out too, and find what a replay of every event finds."""
    system = bootstrap(Settings.from_environ())
    try:
        reporting = system.projections.reporting
        head = installation.log_head()
        for hold_all_up_to in (head, 0):  # in the log's order, aggregate by aggregate
            reporting.hold_all_up_to = hold_all_up_to
            every = list(reporting.replay_log(head, None))
            unread = list(reporting.replay_log(head, None, {CounsellingSessionHeld}))
            assert any(state.sessions for state in every if isinstance(state, Case)), installation.backend
            assert not any(state.sessions for state in unread if isinstance(state, Case)), installation.backend
            for extract in marked_unread():
                assert [extract(state) for state in unread] == [extract(state) for state in every], extract.__name__
    finally:
        system.close()


def test_a_new_step_on_an_old_case_is_recorded_and_the_log_still_verifies(installation: Installation) -> None:
    backend, expected = installation.backend, installation.expected
    case_id = expected["opened_with_personal_data"]["case_id"]
    old_history = expected["cases"][case_id]["history"]
    before = installation.request("GET", f"/cases/{case_id}", installation.lead_of(case_id))
    assert before.json()["status"] == "open", before.json()
    today = datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat()
    note = "Nach dem Update: Anpassungsqualifizierung läuft, nächster Termin im Januar."
    step = {"type": "counselling_session_held", "date": today, "minutes": 40, "topics": ["course"], "note": note}
    written = installation.request(
        "POST", f"/cases/{case_id}/steps", "counsellor", 201, json=step, headers={"If-Match": before.headers["ETag"]}
    ).json()
    version = len(old_history["events"]) + 1
    assert written["version"] == version, f"[{backend}] the new step made version {written['version']}, not {version}"

    history = installation.get(f"/cases/{case_id}/history", installation.lead_of(case_id))
    differences = _history_differences(old_history, {**history, "events": history["events"][:-1]}, case_id)
    assert not differences, _report(backend, "the 0.1 events after a new step", differences)
    last = history["events"][-1]
    counsellor = expected["staff"]["counsellor"]["subject"]
    assert (last["version"], last["type"], last["date"], last["recorded_by"]) == (
        version,
        "counselling_session_held",
        today,
        counsellor,
    ), f"[{backend}] the new step reads back as {last}"
    assert last["data"]["note"] == note, f"[{backend}] the new note reads back as {last['data'].get('note')!r}"
    assert last["data"]["minutes"] == 40, last

    verify = installation.get("/audit/verify", "auditor")
    assert verify["ok"] is True, (
        f"[{backend}] the log no longer verifies after a step recorded on top of 0.1's: {verify}"
    )
    assert verify["events_checked"] == expected["log_head"] + 1, verify
    assert verify["checkpoints_checked"] >= 1, f"[{backend}] 0.1's stored checkpoint was not checked: {verify}"


def test_a_retry_of_an_idempotent_0_1_write_records_nothing(installation: Installation) -> None:
    backend, expected = installation.backend, installation.expected
    write = expected["idempotent_write"]
    assert write["subject"] == expected["staff"]["counsellor"]["subject"]
    response = installation.request(
        "POST",
        f"/cases/{write['case_id']}/steps",
        "counsellor",
        201,
        json=write["body"],
        headers={"Idempotency-Key": write["key"]},
    )
    assert response.headers.get("Idempotent-Replayed") == "true", (
        f"[{backend}] a retry of a write 0.1 recorded with Idempotency-Key {write['key']!r} was not replayed:"
        f" {dict(response.headers)}"
    )
    assert response.json()["version"] == write["version"], f"[{backend}] the replay answered {response.json()}"
    assert installation.log_head() == expected["log_head"], f"[{backend}] the retry recorded an event"


def test_the_upgraded_installation_has_every_migration_of_this_release(installation: Installation) -> None:
    code, out, err = _lotse("migrate")

    assert code == 0, err
    assert "nothing to do" in out, out


def _token_as_0_1_issued(subject: str, role: str, agency: str) -> str:
    """A bearer token as release 0.1's `lotse token issue` wrote it: its claims carry no token generation."""
    key = (Path(os.environ["LOTSE_DATA_DIR"]) / "token-signing.key").read_text().strip().encode()
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": subject, "role": role, "agency": agency, "iat": now - 3600, "exp": now + 29 * 86400}
    payload = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(hmac.new(key, payload.encode(), hashlib.sha256).digest()).rstrip(b"=")
    return f"lotse1.{payload}.{signature.decode()}"


def test_a_token_0_1_issued_to_an_active_counsellor_works_until_revoked(installation: Installation) -> None:
    backend, counsellor = installation.backend, installation.expected["staff"]["counsellor"]
    headers = {"Authorization": f"Bearer {_token_as_0_1_issued(counsellor['subject'], 'counsellor', 'koeln')}"}
    assert counsellor["agency"] == "koeln"

    kept = installation.client.get("/cases", headers=headers)
    assert kept.status_code == 200, f"[{backend}] 0.1's token of an active counsellor is refused: {kept.text}"

    status, out, err = _lotse("token", "revoke", "--subject", counsellor["subject"])
    assert status == 0, err
    assert out.strip() == f"{counsellor['subject']}@koeln: every token issued so far is revoked", out
    with TestClient(app=create_app(Settings.from_environ())) as process_started_afterwards:
        refused = process_started_afterwards.get("/cases", headers=headers)
    assert refused.status_code == 401, f"[{backend}] 0.1's token works after `lotse token revoke`: {refused.text}"
