"""A typed client generated from the published document by openapi-python-client walks a case through a real
`lotse serve`: opens it, records a step with If-Match, is refused a stale one, reads the case and its history.

The generator runs offline on the JSON document the server answered, and must generate without a warning: a part of
the document it cannot read would be left out of the client.
"""

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from types import ModuleType
from typing import Any

import httpx
import pytest

from bench.lotse_process import LotseServer
from infrastructure.settings import Settings

PACKAGE = "lotse_client"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LotseServer]:
    directory = tmp_path_factory.mktemp("generated-client")
    running = LotseServer(Settings(data_dir=directory / "data"), directory / "serve.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def generated(server: LotseServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The generated package, importable as `lotse_client` for the module's tests."""
    directory = tmp_path_factory.mktemp("client")
    document = directory / "openapi.json"
    document.write_text(json.dumps(httpx.get(f"{server.base}/schema/openapi.json", timeout=30).json()))
    config = directory / "config.json"
    config.write_text(json.dumps({"post_hooks": []}))  # no formatter run over the generated code: not needed here
    generation = subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(document), "--meta", "none", "--output-path", str(directory / PACKAGE)),
            *("--config", str(config)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert generation.returncode == 0, generation.stdout + generation.stderr
    assert "Warning" not in generation.stdout + generation.stderr, generation.stdout
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(directory))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def part(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_journey_through_the_generated_client(server: LotseServer, generated: Any) -> None:
    token = server.token("ayse", "counsellor")
    with generated.AuthenticatedClient(base_url=server.base, token=token) as client:
        walk_a_case(client)


def walk_a_case(client: Any) -> None:
    models = part("models")
    record_step, get_case, get_history = (
        part(f"api.cases.{name}") for name in ("record_step", "get_case", "get_history")
    )
    first_contact = date.today() - timedelta(days=30)

    opened = part("api.cases.open_case").sync_detailed(
        client=client,
        body=models.OpenCase(
            first_contact_on=first_contact,
            channel=models.OpenCaseChannel.WALK_IN,
            referral_source=models.OpenCaseReferralSource.JOBCENTER,
            profile=models.StepsProfile(
                gender=models.StepsProfileGender.FEMALE,
                labour_status=models.StepsProfileLabourStatus.UNEMPLOYED,
                isced=3,
                foreign_background=True,
                third_country_national=True,
                birth_year=1988,
                qualification_country="TR",
            ),
            personal=models.StepsPersonalData(name="Ayla Demir"),
        ),
        idempotency_key="first-contact-ayla",
    )
    assert opened.status_code == 201, opened.content
    case = opened.parsed
    assert isinstance(case, models.OpenedCaseView)
    assert (case.version, opened.headers["ETag"]) == (1, '"1"')

    session = models.CounsellingSessionHeld(
        date=first_contact + timedelta(days=2), minutes=45, type_="counselling_session_held", topics=["recognition"]
    )
    recorded = record_step.sync_detailed(case.id, client=client, body=session, if_match=opened.headers["ETag"])
    stale = record_step.sync_detailed(case.id, client=client, body=session, if_match=opened.headers["ETag"])

    assert recorded.status_code == 201, recorded.content
    assert isinstance(recorded.parsed, models.CaseView)
    assert recorded.parsed.version == 2
    assert int(recorded.headers["Lotse-Position"]) > int(opened.headers["Lotse-Position"])
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Problem)
    assert (stale.parsed.type_, stale.parsed.rule) == ("/problems/stale-version", "if_match_current")

    read = get_case.sync_detailed(case.id, client=client)
    assert isinstance(read.parsed, models.CaseView)
    assert (read.parsed.version, read.headers["ETag"]) == (2, '"2"')
    assert read.parsed.personal.name == "Ayla Demir"
    assert read.parsed.stage == models.CaseViewStage.FIRST_CONTACT

    history = get_history.sync(case.id, client=client)
    assert isinstance(history, models.HistoryView)
    assert [event.type_ for event in history.events] == ["case_opened", "counselling_session_held"]
    assert history.events[1].data["topics"] == ["recognition"]


def test_the_generated_client_reads_problems_and_figures(server: LotseServer, generated: Any) -> None:
    models = part("models")
    token = server.token("otto", "auditor")
    with generated.Client(base_url=server.base) as nobody:
        refused = part("api.cases.list_cases").sync_detailed(client=nobody)
    with generated.AuthenticatedClient(base_url=server.base, token=token) as auditor:
        figures = part("api.projections.esf").sync(
            client=auditor, from_=date(2026, 1, 1), to=date(2026, 12, 31), basis=models.EsfBasis.ENTRY
        )

    assert refused.status_code == 401
    assert isinstance(refused.parsed, models.Problem)
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert isinstance(figures, models.EsfStatistics)
    assert figures.definition_version
