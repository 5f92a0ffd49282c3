"""The API docs in a real browser under the Content-Security-Policy: local assets only, grouped by
app, no CSP violation; ReDoc (whose bundle fetches web fonts from a CDN) is not served."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_loads_nothing_from_another_host(page, live_server, sign_in):
    sign_in(UserFactory())
    elsewhere = []

    def only_this_host(route):
        if route.request.url.startswith(live_server.url):
            return route.continue_()
        elsewhere.append(route.request.url)
        return route.abort()

    page.route("**/*", only_this_host)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("AI Platform API")
    for tag in ("accounts", "market", "portfolio", "nlp", "vision", "codegen", "proposals"):
        expect(page.locator(f"#operations-tag-{tag}")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert elsewhere == []
    assert page.console_errors == []


def test_redoc_is_not_served_and_unknown_api_urls_are_json(page, live_server):
    response = page.goto(f"{live_server.url}/api/redoc/")
    assert response.status == 404
    assert response.headers["content-type"].startswith("application/json")
