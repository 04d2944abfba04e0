"""CSV downloads for a German Excel: the same cells as the API's CSV, separated by semicolons, decimals with a comma,
a byte-order mark for the umlauts, and no text cell Excel would run as a formula."""

import csv
import io
from pathlib import Path

from tests.browser.conftest import Tab


def cells(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_the_statistics_download_for_excel_holds_the_apis_cells_with_semicolons(tab: Tab) -> None:
    demo = tab.demo
    tab.sign_in("auditor")
    tab.open("#/foerderstatistik?von=2026-01-01&bis=2026-06-30&basis=exit")
    page = tab.page

    with page.expect_download() as download:
        page.get_by_role("button", name="ESF+-Indikatoren für Excel").click()

    saved = download.value
    assert saved.suggested_filename == "esf-indikatoren_2026-01-01_2026-06-30_exit_excel.csv"
    raw = Path(saved.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    api = demo.api(
        "auditor", "/statistics/esf", accept="text/csv", basis="exit", **{"from": "2026-01-01", "to": "2026-06-30"}
    )
    assert cells(text, ";") == cells(api, ",")  # the indicators' cells are codes, words and whole numbers


def test_the_activity_report_for_excel_writes_decimals_with_a_comma(tab: Tab) -> None:
    demo = tab.demo
    query = {"from": "2020-01-01", "to": "2026-12-31"}
    tab.sign_in("lead")
    tab.open(f"#/taetigkeitsbericht?von={query['from']}&bis={query['to']}")
    page = tab.page

    with page.expect_download() as download:
        page.locator("#activity-csv-excel").click()

    ours = cells(Path(download.value.path()).read_text(encoding="utf-8-sig"), ";")
    theirs = cells(demo.api("lead", "/statistics/activity", accept="text/csv", **query), ",")
    assert len(ours) == len(theirs)
    decimals = 0
    for mine, api in zip(ours, theirs, strict=True):
        for cell, expected in zip(mine, api, strict=True):
            if "." in expected and expected.replace(".", "", 1).lstrip("-").isdigit():
                decimals += 1
                assert cell == expected.replace(".", ",")
            else:
                assert cell == expected
    assert decimals > 0  # the share with a migration background


def test_awkward_cells_stay_one_cell_and_none_runs_as_a_formula(tab: Tab) -> None:
    tab.sign_in("lead")
    converted = tab.page.evaluate(
        """async (text) => (await import("/dashboard/js/downloads.js")).forGermanExcel(text)""",
        'name,note,share,debt\n"Müller; Söhne","sagte ""ja""\nund ging",0.25,-3\n=SUM(A1),+49 221,-x,@home\n',
    )

    assert converted.startswith("\ufeff")
    assert cells(converted.removeprefix("\ufeff"), ";") == [
        ["name", "note", "share", "debt"],
        ["Müller; Söhne", 'sagte "ja"\nund ging', "0,25", "-3"],
        ["'=SUM(A1)", "'+49 221", "'-x", "'@home"],
    ]
