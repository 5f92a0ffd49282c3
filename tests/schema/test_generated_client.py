"""A typed client generated from the OpenAPI schema (openapi-python-client) signs in and reads a
quote against a live server: the schema is good enough for clients to be built from it."""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tests.schema.test_contract import fetch_schema

pytestmark = [pytest.mark.schema, pytest.mark.django_db(transaction=True)]


def generate_client(schema: Path, out: Path) -> Path:
    config = out.parent / "client-config.yaml"
    config.write_text("package_name_override: platform_client\nproject_name_override: platform-client\n")
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(out),
            "--config",
            str(config),
            "--meta",
            "none",
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out


def test_a_generated_client_signs_in_and_reads_a_quote(contract_server, tmp_path, monkeypatch):
    base_url, _, _ = contract_server
    package = generate_client(fetch_schema(base_url, tmp_path / "schema.json"), tmp_path / "platform_client")
    monkeypatch.syspath_prepend(str(package.parent))
    client_module = importlib.import_module("platform_client")
    login = importlib.import_module("platform_client.api.accounts.auth_login_create")
    quote = importlib.import_module("platform_client.api.market.market_stocks_retrieve")
    models = importlib.import_module("platform_client.models")

    anonymous = client_module.Client(base_url=base_url, raise_on_unexpected_status=True)
    tokens = login.sync(
        client=anonymous, body=models.LoginInputRequest(email="contract-user@example.com", password=PASSWORD)
    )
    assert isinstance(tokens, models.Tokens) and tokens.access

    signed_in = client_module.AuthenticatedClient(base_url=base_url, token=tokens.access)
    answer = quote.sync(client=signed_in, symbol="GOOG")
    assert isinstance(answer, models.Quote)
    assert answer.symbol == "GOOG" and answer.currency == "USD"
    assert answer.price == "806.19000000"

    missing = quote.sync_detailed(client=signed_in, symbol="NOPE")
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Error) and missing.parsed.error.code == "not_found"
