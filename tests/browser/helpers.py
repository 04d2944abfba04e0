"""Reading the dashboard's pages as a person would: the German words and the figures in its tables."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

# The browser's zone (tests/browser/conftest.py) and Lotse's (LOTSE_TIMEZONE's default): "today" in both.
ZONE = ZoneInfo("Europe/Berlin")

STAGES = {
    "first_contact": "Erstkontakt",
    "assessment": "Kompetenzfeststellung",
    "recognition": "Anerkennung",
    "course": "Qualifizierung",
    "exam": "Prüfung",
    "closed": "Abgeschlossen",
}
GENDER_COLUMNS = ("female", "male", "diverse", "unspecified", "total")
PATHWAYS = {
    "recognition": "Anerkennung",
    "validation": "Validierung",
    "partial_qualifications": "Teilqualifikationen",
    "external_exam": "Externenprüfung",
    "retraining": "Umschulung",
    "undecided": "noch offen",
}
FUNNEL_STAGES = ("first_contact", "assessment", "pathway_started", "outcome", "exit", "qualified")
SUPPRESSED = "unterdrückt"


def local_today() -> date:
    """Today as the dashboard and the API count it, not as the test machine's UTC clock does (which differs
    between midnight in Berlin and 01:00 or 02:00 UTC)."""
    return datetime.now(ZONE).date()


def table_rows(page: Page, selector: str) -> list[list[str]]:
    """The text of every body cell of a table, row by row (also of a table in a closed <details>)."""
    rows: list[list[str]] = page.evaluate(
        "(selector) => [...document.querySelectorAll(`${selector} tbody tr`)]"
        ".map((row) => [...row.cells].map((cell) => cell.textContent.trim()))",
        selector,
    )
    return rows


def figure(text: str) -> int | None:
    """A number as the page shows it (German thousands separator), or None for a suppressed cell."""
    return None if text == SUPPRESSED else int(text.replace(".", ""))


def short(case_id: str) -> str:
    return case_id[:8]
