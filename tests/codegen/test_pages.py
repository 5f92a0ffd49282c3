"""The playground page."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_playground_says_plainly_when_no_key_is_configured(client, user, settings):
    settings.ANTHROPIC_API_KEY = ""
    client.force_login(user)
    html = client.get("/codegen/").content.decode()
    assert 'data-testid="no-key"' in html and "ANTHROPIC_API_KEY" in html
    assert 'id="generate" type="button" disabled' in html
    assert "React function component" in html  # templates still work
    assert " style=" not in html and "<script>" not in html


def test_the_playground_with_a_key(client, user, settings):
    settings.ANTHROPIC_API_KEY = "sk-ant-test"
    client.force_login(user)
    html = client.get("/codegen/").content.decode()
    assert 'data-testid="no-key"' not in html and "vendor/codemirror/codemirror.js" in html
