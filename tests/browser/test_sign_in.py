"""Signing in with a bearer token, and out again; what a wrong token gets."""

from playwright.sync_api import expect

from tests.browser.conftest import Tab


def test_signing_in_with_the_keyboard_opens_the_start_page_of_the_role(tab: Tab) -> None:
    page = tab.page
    page.goto(tab.demo.dashboard)

    assert page.evaluate("document.activeElement.id") == "token"  # the form is ready to type into
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "token"
    page.keyboard.type(tab.demo.tokens["counsellor"])
    with tab.navigating():
        page.keyboard.press("Enter")

    expect(page.locator("#page h1")).to_have_text("Meine Fälle")
    assert page.locator("#who").inner_text() == "ayse · Beratung · koeln"
    assert page.evaluate("sessionStorage.getItem('lotse.token')") == tab.demo.tokens["counsellor"]
    assert page.evaluate("localStorage.length") == 0
    assert tab.unlabelled_controls() == []


def test_the_sign_in_page_explains_where_a_token_comes_from(tab: Tab) -> None:
    tab.page.goto(tab.demo.dashboard)

    field = tab.page.get_by_label("Zugangstoken")
    assert "token-help" in (field.get_attribute("aria-describedby") or "").split()
    assert (
        "lotse token issue --subject NAME --role ROLLE --agency TRÄGER" in tab.page.locator("#token-help").inner_text()
    )
    assert tab.unlabelled_controls() == []
    tab.screenshot("anmelden")


def test_signing_out_forgets_the_token(tab: Tab) -> None:
    tab.sign_in("lead")
    page = tab.page
    expect(page.locator("#page h1")).to_have_text("Team")

    page.get_by_role("button", name="Abmelden").focus()
    page.keyboard.press("Enter")

    assert page.get_by_role("heading", name="Anmelden").is_visible()
    assert page.evaluate("sessionStorage.getItem('lotse.token')") is None
    page.reload()
    assert page.get_by_label("Zugangstoken").is_visible()
    assert page.locator("#navigation").is_hidden()


def test_a_token_the_service_did_not_sign_is_refused(tab: Tab) -> None:
    tab.expect_console_error("status of 401")
    page = tab.page
    page.goto(tab.demo.dashboard)
    genuine = tab.demo.tokens["auditor"]
    forged = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")

    page.get_by_label("Zugangstoken").fill(forged)
    page.get_by_role("button", name="Anmelden").click()

    error = page.get_by_role("alert")
    assert "ungültig oder abgelaufen" in error.inner_text()
    assert page.locator("#navigation").is_hidden()
    assert page.evaluate("sessionStorage.getItem('lotse.token')") is None
    tab.screenshot("anmelden-fehler")


def test_text_that_is_no_token_is_refused_without_asking_the_service(tab: Tab) -> None:
    page = tab.page
    page.goto(tab.demo.dashboard)

    page.get_by_label("Zugangstoken").fill("hallo")
    page.get_by_role("button", name="Anmelden").click()

    assert "kein Lotse-Token" in page.get_by_role("alert").inner_text()
    assert not [url for url in tab.requests if not url.startswith(tab.demo.dashboard)]  # the API was not asked

    page.get_by_label("Zugangstoken").fill(tab.demo.tokens["lead"][:20])  # a token cut off while copying it
    page.get_by_role("button", name="Anmelden").click()

    expect(page.get_by_role("alert")).to_contain_text("Das Token ist unvollständig oder beschädigt")
    assert not [url for url in tab.requests if not url.startswith(tab.demo.dashboard)]
