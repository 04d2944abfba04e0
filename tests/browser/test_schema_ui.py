"""The API's interactive documentation at /schema in a real browser: it renders the OpenAPI 3.1 document with the
assets Lotse ships, under the dashboard's Content-Security-Policy, and sends a request with a token. The `tab`
fixture fails the test on any console error (a refused inline script or style among them) and on any request to
anywhere but the server."""

import httpx

from tests.browser.conftest import Tab


def test_the_api_documentation_renders_every_operation_offline(tab: Tab) -> None:
    document = httpx.get(f"{tab.demo.base}/schema/openapi.json", timeout=10).json()
    operations = sum(len(methods) for methods in document["paths"].values())

    tab.page.goto(f"{tab.demo.base}/schema")
    tab.page.wait_for_selector(".opblock")
    tab.page.wait_for_load_state("networkidle")

    assert tab.page.locator(".opblock").count() == operations
    assert tab.page.locator(".information-container .version-stamp").inner_text() == "OAS 3.1"
    assert tab.page.locator(".errors-wrapper").count() == 0
    assert all(url.startswith(f"{tab.demo.base}/schema") for url in tab.requests)
    tab.screenshot("schema")


def test_a_request_sent_from_the_documentation_is_answered(tab: Tab) -> None:
    page = tab.page
    page.goto(f"{tab.demo.base}/schema")
    page.get_by_role("button", name="Authorize").first.click()
    page.locator(".modal-ux input").fill(tab.demo.tokens["lead"])
    page.locator(".modal-ux .auth-btn-wrapper .authorize").click()
    page.locator(".modal-ux .btn-done").click()

    caseload = page.locator("#operations-projections-caseload")
    caseload.locator(".opblock-summary").click()
    caseload.get_by_role("button", name="Try it out").click()
    caseload.get_by_role("button", name="Execute").click()

    answer = caseload.locator(".live-responses-table tbody .response-col_status")
    answer.wait_for()
    assert answer.inner_text().strip() == "200"
    assert f"{tab.demo.base}/caseload" in tab.requests
