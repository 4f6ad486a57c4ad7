"""The API's documentation page in a real Chromium: the vendored Swagger UI renders the OpenAPI
document under the site's content security policy and calls the API with the page's session."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in

pytestmark = pytest.mark.browser


def test_the_docs_page_lists_the_operations_and_tries_one_with_the_session(live_server, page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, live_server, "coach@example.org")
    page.goto(f"{live_server.url}/api/v1/docs")
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/me").first
    expect(operation).to_be_visible()
    operation.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
        "200"
    )
    expect(
        page.locator(".live-responses-table").get_by_text("coach@example.org").first
    ).to_be_visible()
    assert violations == []
