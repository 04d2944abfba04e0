from tests.browser.conftest import Tab
from tests.browser.tour import ACTIVITY, Places


def test_probe(tab: Tab, places: Places) -> None:
    page = tab.page
    tab.sign_in("counsellor")
    for route in ("meine-faelle", "fallverlauf/{case}", ACTIVITY, "kurse", "arbeitgeber"):
        tab.open(places.address(route))
        for i in range(2):
            page.evaluate(f"window.scrollTo(0, {i * 900})")
            page.screenshot(path=f"/tmp/shots/desk-{route[:6]}-{i}.png")
