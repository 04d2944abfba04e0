"""The dashboard says when its figures are not current: the views it reads lag far behind the event log.

A server whose views nothing follows (LOTSE_PROJECTIONS=worker, no `lotse worker`), with "far" at one event, and the
demo caseload written past them; the demo server of the other tests follows its log and shows no notice.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from bench.lotse_process import LotseServer
from infrastructure.settings import Settings
from tests.browser.conftest import Demo, Tab

NOTICE = "#views-behind"


@pytest.fixture(scope="module")
def lagging(tmp_path_factory: pytest.TempPathFactory, chromium: Path) -> Iterator[Demo]:
    directory = tmp_path_factory.mktemp("lagging")
    server = LotseServer(Settings(data_dir=directory / "data"), directory / "serve.log", projections="worker")
    server.env["LOTSE_VIEWS_FAR_BEHIND_EVENTS"] = "1"
    server.start()
    try:
        server.lotse("demo", "--cases", "5")
        yield Demo(base=server.base, tokens={"lead": server.token("petra", "lead")}, server=server)
    finally:
        server.stop()


@pytest.fixture
def lagging_tab(browser: Browser, lagging: Demo) -> Iterator[Tab]:
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", viewport={"width": 1280, "height": 900})
    tab = Tab(page=context.new_page(), demo=lagging)
    tab.page.on("console", lambda message: tab.problems.append(message.text) if message.type == "error" else None)
    tab.page.on("pageerror", lambda error: tab.problems.append(str(error)))
    yield tab
    context.close()
    assert tab.unexpected_problems() == []


def test_the_dashboard_says_its_figures_are_not_current_when_the_views_lag_far_behind(lagging_tab: Tab) -> None:
    lagging_tab.sign_in("lead")

    notice = lagging_tab.page.locator(NOTICE)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Die Auswertungen sind nicht aktuell")
    expect(notice).to_contain_text("neue Einträge fehlen darin noch")
    lagging_tab.screenshot("views-behind")


def test_current_figures_show_no_notice(tab: Tab) -> None:
    tab.sign_in("lead")

    expect(tab.page.locator(NOTICE)).to_be_hidden()
