"""The "Berichte" page: a lead publishes a report, an analyst reads it — the only figures analysts see."""

from playwright.sync_api import expect

from tests.browser.conftest import Tab
from tests.browser.helpers import figure, table_rows


def test_a_lead_publishes_a_report_and_an_analyst_reads_it_with_small_cells_suppressed(tab: Tab) -> None:
    demo = tab.demo
    page = tab.page
    tab.sign_in("lead")
    tab.open("#/berichte")
    page.get_by_label("Art").select_option(label="ESF+-Indikatoren")
    page.get_by_label("Basis").select_option(label="Eintritte")
    page.get_by_label("Zeitraum").fill("2025")
    reports_before = demo.api("lead", "/reports")["items"]
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    expect(page.locator("#publish-confirmation [role=alert]")).to_have_text(
        "„ESF+-Indikatoren (Eintritte) 2025“ wird eingefroren und signiert und lässt sich danach weder ändern noch"
        " löschen. Jetzt veröffentlichen?"
    )
    tab.screenshot("berichte-bestaetigen")
    page.get_by_role("button", name="Abbrechen").click()
    expect(page.locator("#publish-confirmation")).to_be_hidden()
    expect(page.get_by_role("button", name="Bericht veröffentlichen")).to_be_focused()
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    page.get_by_label("Zeitraum").fill("2024")  # a changed form withdraws the question about the old one
    expect(page.locator("#publish-confirmation")).to_be_hidden()
    page.get_by_label("Zeitraum").fill("")
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    expect(page.locator("#publish-status")).to_have_text(
        "Bitte geben Sie den Zeitraum an: ein Jahr (2025), ein Quartal (2025-Q3) oder einen Monat (2025-07)."
    )
    expect(page.locator("#publish-confirmation")).to_be_hidden()
    page.get_by_label("Zeitraum").fill("2025")
    assert demo.api("lead", "/reports")["items"] == reports_before  # asked, not published
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    page.get_by_role("button", name="Ja, jetzt veröffentlichen").click()
    expect(page.locator("#report-title")).to_have_text("ESF+-Indikatoren (Eintritte) 2025")
    assert tab.unlabelled_controls() == []

    page.get_by_role("button", name="Abmelden").click()
    tab.sign_in("analyst")
    expect(page.locator("#page h1")).to_have_text("Berichte")
    listed = demo.api("analyst", "/reports")["items"]
    assert len(listed) >= 1
    published = next(report for report in listed if report["period"] == "2025" and report["kind"] == "esf")
    with tab.navigating():
        page.get_by_role("link", name="ESF+-Indikatoren (Eintritte)").first.click()

    rows = {row[0].split()[0]: row[1:] for row in table_rows(page, "#report-cells")}
    for code in ("EECO01", "EECO02", "EECO12"):
        shown = [figure(text) for text in rows[code]]
        expected = [
            published["cells"][f"{code}.{column}"] for column in ("female", "male", "diverse", "unspecified", "total")
        ]
        assert shown == expected, code
    assert figure(page.locator("#suppression-note").inner_text().split()[0]) == len(published["suppressed"])
    expect(page.locator("#report-proof")).to_contain_text(f"Logposition {published['position']:,}".replace(",", "."))
    tab.screenshot("berichte", readme=True)


def test_a_period_that_has_not_ended_is_refused_in_german_next_to_the_form(tab: Tab) -> None:
    tab.expect_console_error("status of 422")
    page = tab.page
    tab.sign_in("auditor")
    tab.open("#/berichte")
    page.get_by_label("Zeitraum").fill("2099")
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    page.get_by_role("button", name="Ja, jetzt veröffentlichen").click()

    expect(page.locator("#publish-status")).to_contain_text("ist noch nicht zu Ende")
    page.get_by_label("Zeitraum").fill("Q3 2025")
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    expect(page.locator("#publish-status")).to_be_hidden()  # the last refusal is not left beside the new question
    page.get_by_role("button", name="Ja, jetzt veröffentlichen").click()
    expected_format = "erwartet ein Jahr (2025), ein Quartal (2025-Q3) oder einen Monat (2025-07)"
    expect(page.locator("#publish-status")).to_contain_text(expected_format)
    tab.screenshot("berichte-abgelehnt")


def test_an_analyst_is_not_offered_the_live_statistics(tab: Tab) -> None:
    tab.sign_in("analyst")
    tab.open("#/foerderstatistik")

    expect(page_alert := tab.page.get_by_role("alert")).to_contain_text(
        "ist für Ihre Rolle (Auswertung) nicht freigegeben"
    )
    assert page_alert.count() == 1
    assert not [url for url in tab.requests if "/statistics/" in url]
