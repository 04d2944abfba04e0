"""The "Berichte" page: a lead publishes a report, an analyst reads it — the only figures analysts see."""

import pytest
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


def test_a_period_that_has_not_ended_or_is_no_period_is_refused_before_she_is_asked_to_confirm(tab: Tab) -> None:
    page = tab.page
    tab.sign_in("auditor")
    tab.open("#/berichte")
    asked = [url for url in tab.requests if "/reports" in url]
    page.get_by_label("Zeitraum").fill("2099")
    page.get_by_role("button", name="Bericht veröffentlichen").click()

    expect(page.locator("#publish-status")).to_contain_text(
        "Der Zeitraum 2099 ist noch nicht zu Ende (er endet am 31.12.2099)"
    )
    expect(page.get_by_role("button", name="Ja, jetzt veröffentlichen")).to_be_hidden()
    page.get_by_label("Zeitraum").fill("Q3 2025")
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    expect(page.locator("#publish-status")).to_contain_text(
        "„Q3 2025“ ist kein Zeitraum: bitte ein Jahr ab 2000 (2025)"
    )
    page.get_by_label("Zeitraum").fill("2025-13")
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    expect(page.locator("#publish-status")).to_contain_text("„2025-13“ ist kein Zeitraum")
    assert [url for url in tab.requests if "/reports" in url] == asked  # the API was not asked to publish
    tab.screenshot("berichte-abgelehnt")


@pytest.mark.usefixtures("places")  # which publishes the funnel of 2024
def test_publishing_a_report_again_says_that_it_was_published_before(tab: Tab) -> None:
    page = tab.page
    tab.sign_in("lead")
    tab.open("#/berichte")
    page.get_by_label("Art").select_option("funnel")
    page.get_by_label("Zeitraum").fill("2024")  # as the tour's report (tests/browser/tour.py)
    page.get_by_role("button", name="Bericht veröffentlichen").click()

    expect(page.locator("#publish-confirmation")).to_contain_text("Dieser Bericht ist bereits veröffentlicht")
    page.get_by_role("button", name="Abbrechen").click()
    page.get_by_label("Zeitraum").fill("2023")
    page.get_by_role("button", name="Bericht veröffentlichen").click()
    expect(page.locator("#publish-confirmation")).to_be_visible()
    assert "bereits veröffentlicht" not in page.locator("#publish-confirmation").inner_text()


def test_an_analyst_is_not_offered_the_live_statistics(tab: Tab) -> None:
    tab.sign_in("analyst")
    tab.open("#/foerderstatistik")

    expect(page_alert := tab.page.get_by_role("alert")).to_contain_text(
        "ist für Ihre Rolle (Auswertung) nicht freigegeben"
    )
    assert page_alert.count() == 1
    assert not [url for url in tab.requests if "/statistics/" in url]
