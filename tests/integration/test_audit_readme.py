"""The README's recipe for auditors works as written: its export query, its 20-line script and its openssl
commands, run against a real log, agree with Lotse's own chain and checkpoints — so an auditor can rely on it."""

import csv
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from application.cases import CaseService
from infrastructure.audit.checkpoints import Checkpoint, public_key_pem, sign_checkpoint
from infrastructure.audit.trail import AuditTrail
from infrastructure.settings import Settings
from tests.conftest import postgres_base_url
from tests.integration.conftest import AGENCY, COUNSELLOR, START, LotseFactory, every_step, open_case_command
from tests.raw_log import RawLog

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
AUDIT_SECTION = README[README.index("## Audit") : README.index("## Architecture")]


def code_block(language: str, containing: str) -> str:
    for match in re.finditer(rf"^( *)```{language}\n(.*?)^\1```", AUDIT_SECTION, re.MULTILINE | re.DOTALL):
        if containing in match.group(2):
            return textwrap.dedent(match.group(2))
    raise AssertionError(f"no {language} block with {containing!r} in the README's audit section")


def export_events(settings: Settings, target: Path) -> None:
    """Writes events.csv with the README's own export query for the backend."""
    if settings.uses_postgres:
        assert settings.database_url is not None
        query = re.search(r"\\copy \((SELECT .+?)\) TO", AUDIT_SECTION)
        assert query is not None
        schema = parse_qs(urlparse(settings.database_url).query)["schema"][0]
        sql = query.group(1).replace("FROM lotse_events", f'FROM "{schema}".lotse_events')
        with (
            psycopg.connect(postgres_base_url()) as connection,
            connection.cursor().copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy,
            target.open("wb") as out,
        ):
            for data in copy:
                out.write(data)
        return
    query = re.search(r'sqlite3 -csv \S+ "(SELECT [^"]+)"', AUDIT_SECTION)
    assert query is not None
    rows = RawLog(settings).connection(bypass_triggers=False)
    with rows as connection, target.open("w", newline="") as out:
        csv.writer(out).writerows(connection.execute(query.group(1)).fetchall())


def run_script(script: Path, events: Path, *position: int) -> tuple[int, int, str]:
    printed = subprocess.run(
        [sys.executable, str(script), str(events), *map(str, position)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    found = re.fullmatch(r"events (\d+) position (\d+) head ([0-9a-f]{64})\n", printed)
    assert found is not None, printed
    return int(found.group(1)), int(found.group(2)), found.group(3)


@pytest.fixture
def log(service: CaseService, make_lotse: LotseFactory) -> AuditTrail:
    """Two full journeys, every step type and the erasure of personal data included."""
    for _ in range(2):
        case = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case
        for step in every_step():
            case = service.record_step(case.id, step, COUNSELLOR, agency=AGENCY).case
        service.erase_personal_data(case.id, COUNSELLOR, agency=AGENCY)
    return make_lotse(clock=lambda: START).audit


def test_the_readme_script_recomputes_the_chain_from_an_export(
    log: AuditTrail, settings: Settings, tmp_path: Path
) -> None:
    script, events = tmp_path / "lotse_chain.py", tmp_path / "events.csv"
    script.write_text(code_block("python", "lotse_chain.py"))
    export_events(settings, events)
    verified = log.verify()
    positions = RawLog(settings).positions()

    assert run_script(script, events) == (len(positions), verified.position, verified.head)
    middle = positions[len(positions) // 2]
    assert run_script(script, events, middle) == (positions.index(middle) + 1, middle, log.chain_head_at(middle))


def test_the_readme_script_sees_a_changed_byte(log: AuditTrail, settings: Settings, tmp_path: Path) -> None:
    script, events = tmp_path / "lotse_chain.py", tmp_path / "events.csv"
    script.write_text(code_block("python", "lotse_chain.py"))
    checkpoint = log.checkpoint()
    raw = RawLog(settings)
    raw.flip_byte(raw.positions()[5])
    raw.rewrite_chain()  # even with a chain to match, the auditor's checkpoint tells

    export_events(settings, events)

    assert run_script(script, events, checkpoint.position)[2] != checkpoint.head


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_the_readme_openssl_recipe_verifies_a_checkpoint_and_rejects_a_forgery(log: AuditTrail, tmp_path: Path) -> None:
    recipe = code_block("bash", "openssl pkeyutl")
    (tmp_path / "lotse-audit.pub.pem").write_text(public_key_pem(log.public_key))

    def verifies(checkpoint: Checkpoint) -> bool:
        variables = {
            "POSITION": str(checkpoint.position),
            "HEAD": checkpoint.head,
            "SIGNED_AT": checkpoint.signed_at,
            "SIGNATURE": checkpoint.signature,
        }
        result = subprocess.run(
            ["bash", "-euc", recipe],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", **variables},
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    genuine = log.checkpoint()
    forged = sign_checkpoint(Ed25519PrivateKey.generate(), genuine.position, genuine.head, START)
    assert verifies(genuine)
    assert not verifies(forged)
    assert not verifies(
        Checkpoint(genuine.position + 1, genuine.head, genuine.signed_at, genuine.public_key, genuine.signature)
    )
