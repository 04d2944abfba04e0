"""The dashboard from 360 px wide (a phone, or a desk's window zoomed to 400 %): no page overflows sideways — a wide
table scrolls inside its own frame — and the navigation and "Abmelden" stay on the screen."""

import pytest
from playwright.sync_api import ViewportSize, expect

from tests.browser.conftest import Tab
from tests.browser.test_roles import NAVIGATION
from tests.browser.tour import STOPS, Places, named

PHONE: ViewportSize = {"width": 360, "height": 740}


def overflowing(tab: Tab) -> list[str]:
    """The elements that reach beyond the window's right edge, outside a table's own scrolling frame."""
    found: list[str] = tab.page.evaluate(
        """() => [...document.body.querySelectorAll("*")]
            .filter((element) => !element.closest(".table-wrap") && element.getBoundingClientRect().right > innerWidth)
            .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`
                + ` reaches ${Math.round(element.getBoundingClientRect().right)} px`)"""
    )
    return found


def off_screen(tab: Tab, role: str) -> list[str]:
    """The navigation's links and "Abmelden" where they cannot be seen or reached."""
    page = tab.page
    controls = [
        *(
            page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name=name, exact=True)
            for name in NAVIGATION[role]
        ),
        page.get_by_role("button", name="Abmelden"),
    ]
    missing = []
    for control in controls:
        box = control.bounding_box()
        if not control.is_visible() or box is None or box["x"] < 0 or box["x"] + box["width"] > PHONE["width"]:
            missing.append(f"{control.inner_text()}: {box}")
    return missing


@pytest.mark.parametrize(("role", "route"), STOPS)
def test_no_page_overflows_a_360_px_screen_and_the_navigation_stays_on_it(
    tab: Tab, places: Places, role: str, route: str
) -> None:
    tab.page.set_viewport_size(PHONE)
    tab.sign_in(role)
    tab.open(places.address(route))

    width = tab.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "\n".join(overflowing(tab))
    assert off_screen(tab, role) == []
    tab.screenshot(f"360-{named(role, route)}")


def test_the_sign_in_fits_a_360_px_screen(tab: Tab) -> None:
    tab.page.set_viewport_size(PHONE)
    tab.page.goto(tab.demo.dashboard)
    tab.page.get_by_label("Zugangstoken").wait_for()

    assert tab.page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], overflowing(tab)
    tab.screenshot("360-anmelden")


def test_a_table_wider_than_the_screen_scrolls_in_its_frame_by_keyboard(tab: Tab) -> None:
    page = tab.page
    page.set_viewport_size(PHONE)
    tab.sign_in("counsellor")
    tab.open("#/arbeitgeber")
    frame = page.get_by_role("region", name="Tabelle")
    expect(frame).to_have_attribute("tabindex", "0")

    frame.focus()
    page.keyboard.press("ArrowRight")

    expect(frame).to_be_focused()
    page.wait_for_function("(frame) => frame.scrollLeft > 0", arg=frame.element_handle())
    assert page.evaluate("() => document.documentElement.scrollLeft") == 0  # the page itself stays put


def test_a_table_that_fits_is_no_extra_stop_for_the_keyboard(tab: Tab) -> None:
    tab.sign_in("counsellor")
    tab.open("#/arbeitgeber")
    # Two frames: the page has looked at the table's width (its ResizeObserver has answered).
    tab.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")

    assert tab.page.locator(".table-wrap").count() == 1
    assert tab.page.locator(".table-wrap[tabindex]").count() == 0
