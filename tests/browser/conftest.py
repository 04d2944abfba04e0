"""The dashboard in a real browser: Debian's headless Chromium, driven by Playwright, against a real `lotse serve`
loaded with `lotse demo`.

Every test gets a fresh browser context and fails on a console error, an uncaught page error or a request to
anywhere but the server (the dashboard must work offline). Screenshots of the pages go to
test-artifacts/screenshots/; with LOTSE_README_SCREENSHOTS=1 the README's are refreshed in docs/screenshots/ too.
Without Chromium the tests are skipped, except with CI=true, where they fail.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, sync_playwright

from bench.lotse_process import LotseServer
from infrastructure.settings import Settings
from tests.browser.tour import Places, find_places

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("LOTSE_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
README_SCREENSHOTS = ROOT / "docs" / "screenshots"
# Who signs in, per role: the demo's staff of agency `koeln` (application/synthetic.py), and an auditor and analyst.
USERS = {"counsellor": "ayse", "lead": "petra", "auditor": "otto", "analyst": "ana"}


@dataclass(frozen=True)
class Demo:
    """A running `lotse serve` with the demo caseload, and a token for each role of agency `koeln`."""

    base: str
    tokens: dict[str, str]
    server: LotseServer  # the operator's `lotse` commands on its store (`server.lotse("staff", "deactivate", …)`)

    @property
    def dashboard(self) -> str:
        return f"{self.base}/dashboard/"

    def api(self, role: str, path: str, accept: str = "application/json", **query: Any) -> Any:
        """What the API answers the role: the figures each page must show."""
        response = httpx.get(
            f"{self.base}{path}",
            params=query,
            headers={"Authorization": f"Bearer {self.tokens[role]}", "Accept": accept},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.text if accept == "text/csv" else response.json()

    def post(self, role: str, path: str, body: dict[str, Any]) -> Any:
        """Records through the API as the role, as another user's browser would meanwhile; answers what was written."""
        response = httpx.post(
            f"{self.base}{path}", json=body, headers={"Authorization": f"Bearer {self.tokens[role]}"}, timeout=30
        )
        assert response.status_code == 201, response.text
        return response.json()

    def all_pages(self, role: str, path: str, **query: Any) -> list[Any]:
        items: list[Any] = []
        cursor = None
        while True:
            page = self.api(role, path, limit=200, **query, **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items

    def wait_for_views(self) -> None:
        """Until the projection views have caught up with the whole log (the demo wrote from another process)."""
        position = httpx.get(f"{self.base}/ready", timeout=10).json()["log_position"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = httpx.get(
                f"{self.base}/caseload",
                params={"min_position": position},
                headers={"Authorization": f"Bearer {self.tokens['lead']}"},
                timeout=10,
            )
            if answer.status_code == 200:
                return
        raise AssertionError(f"the views did not reach position {position}")


@dataclass
class Tab:
    """One browser page on the dashboard, with what went wrong in it."""

    page: Page
    demo: Demo
    problems: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def sign_in(self, role: str) -> None:
        self.page.goto(self.demo.dashboard)
        self.page.get_by_label("Zugangstoken").fill(self.demo.tokens[role])
        with self.navigating():
            self.page.get_by_role("button", name="Anmelden").click()

    def open(self, route: str) -> None:
        """Opens a page of the dashboard by its address (`#/…`) and waits until it has loaded its data."""
        address = f"{self.demo.dashboard}{route}"
        if self.page.url == address:  # the page shown already: going to it again builds nothing anew
            self.settle()
            return
        with self.navigating():
            self.page.goto(address)

    @contextmanager
    def navigating(self) -> Iterator[None]:
        """Around an action that leads to a page (another, or the same anew): waits until that page has loaded.

        The dashboard keeps the page it leaves on screen until the next one is built, so the page being left is
        marked first: without the mark, waiting for a loaded page could return at once, on the old one.
        """
        self.page.evaluate("document.querySelector('#page section.page')?.setAttribute('data-left', '')")
        yield
        self.settle()

    def settle(self) -> None:
        self.page.wait_for_selector("#page section.page:not([aria-busy]):not([data-left])")
        self.page.wait_for_load_state("networkidle")

    def expect_console_error(self, text: str) -> None:
        """A console error this test provokes on purpose (Chromium logs every refused request)."""
        self.expected.append(text)

    def unexpected_problems(self) -> list[str]:
        return [problem for problem in self.problems if not any(text in problem for text in self.expected)]

    def screenshot(self, name: str, *, readme: bool = False) -> None:
        """The whole page as a test artefact; with `readme`, what the window shows also for the README."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        if readme and os.environ.get("LOTSE_README_SCREENSHOTS") == "1":
            README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # One window's worth: enough to recognise the page, small enough to keep in the repository.
            self.page.screenshot(path=README_SCREENSHOTS / f"{name}.png")

    def unlabelled_controls(self) -> list[str]:
        """Form controls a screen reader could not name."""
        unlabelled: list[str] = self.page.evaluate(
            """() => [...document.querySelectorAll("input, select, textarea, button")]
                .filter((control) => !control.closest("[hidden]"))
                .filter((control) => !control.labels?.length && !control.getAttribute("aria-label"))
                .filter((control) => !(control.tagName === "BUTTON" && control.textContent.trim()))
                .map((control) => control.outerHTML)"""
        )
        return unlabelled


@pytest.fixture(scope="package")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser tests need Chromium in CI: {reason}")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory, chromium: Path) -> Iterator[Demo]:
    directory = tmp_path_factory.mktemp("dashboard")
    server = LotseServer(Settings(data_dir=directory / "data"), directory / "serve.log")
    server.start()
    try:
        server.lotse("demo")
        # As an operator does daily (README "Audit"): the auditor's check then has a signed checkpoint to hold to.
        server.lotse("audit", "checkpoint", "--out", str(directory / "checkpoint.json"))
        tokens = {role: server.token(subject, role) for role, subject in USERS.items()}
        running = Demo(base=server.base, tokens=tokens, server=server)
        running.wait_for_views()
        yield running
    finally:
        server.stop()


@pytest.fixture(scope="package")
def places(demo: Demo) -> Places:
    """The case and the published report the tour of every page visits."""
    return find_places(demo)


# Package scope, not session: Playwright's sync API runs an event loop in the main thread while it is open, and
# the async tests of the packages after this one need that thread's loop free again.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright, chromium: Path) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
    yield browser
    browser.close()


@pytest.fixture
def tab(browser: Browser, demo: Demo) -> Iterator[Tab]:
    yield from open_tab(browser, demo)


@pytest.fixture
def axe_tab(browser: Browser, demo: Demo) -> Iterator[Tab]:
    """A tab that lets the tests inject axe-core: the dashboard's Content-Security-Policy refuses any script but its
    own files, so this context bypasses it (the other tests keep it and would see a refused script as an error)."""
    yield from open_tab(browser, demo, bypass_csp=True)


def open_tab(browser: Browser, demo: Demo, *, bypass_csp: bool = False) -> Iterator[Tab]:
    context = browser.new_context(
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
        bypass_csp=bypass_csp,
    )
    page = context.new_page()
    tab = Tab(page=page, demo=demo)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.problems.append(f"console: {message.text}")

    def on_request(request: Request) -> None:
        tab.requests.append(request.url)
        if not request.url.startswith((demo.base + "/", "data:", "blob:")):
            tab.problems.append(f"request to elsewhere: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.problems.append(f"page error: {error}"))
    page.on("request", on_request)
    yield tab
    context.close()
    assert tab.unexpected_problems() == []
