"""Reading the dashboard's pages as a person would: the German words and the figures in its tables."""

from playwright.sync_api import Page

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
