"""Hostile JSON to every JSON endpoint in the schema: deep nesting, numbers JSON cannot hold,
NaN/Infinity, wrong types, unicode edge cases and oversize bodies. Nothing may answer 5xx, and
every refusal is in the error shape."""

import json
import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PATH_VALUES = {"integer": "1", "string": "GOOG"}


def json_operations() -> list[tuple[str, str, dict]]:
    """(method, concrete path, request schema) of every operation that takes a JSON body."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = []
    for path, item in sorted(schema["paths"].items()):
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            request_schema = body["schema"]
            if "$ref" in request_schema:
                request_schema = components[request_schema["$ref"].rsplit("/", 1)[1]]
            concrete = path
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    kind = parameter["schema"].get("type", "string")
                    value = str(uuid.uuid4()) if parameter["schema"].get("format") == "uuid" else PATH_VALUES[kind]
                    concrete = concrete.replace("{" + parameter["name"] + "}", value)
            found.append((method, concrete, request_schema))
    return found


WRONG_VALUES = [
    [[[]]],
    {"nested": {"deeper": [1, {"x": None}]}},
    "\ud800 lone surrogate",
    "nul \u0000 byte",
    "\u202eright-to-left override \ufeff bom \U0001f4a9",
    "x" * 200_000,
    -(10**30),
    2**70,
    1.7976931348623157e308,
    -0.0,
    True,
    None,
]


def hostile_bodies(request_schema: dict) -> list[str]:
    properties = list(request_schema.get("properties", {}))
    bodies = [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 70 + "1" + "}" * 70,
        '{"x": NaN}',
        '{"x": Infinity, "y": -Infinity}',
        "1e999",
        "9" * 5000,
        "[]",
        '"just a string"',
        "123",
        "null",
        "true",
        "{",
        '{"\\ud800": "\\udfff"}',
    ]
    for value in WRONG_VALUES:
        bodies.append(json.dumps(dict.fromkeys(properties or ["anything"], value)))
    return bodies


@pytest.fixture
def fuzz_client(settings):
    settings.API_RATE_LIMITS = {"anon": 10**6, "free": 10**6, "premium": 10**6}
    client = APIClient()
    client.force_authenticate(UserFactory(role="admin", is_staff=True, is_superuser=True))
    return client


OPERATIONS = json_operations()


def test_the_schema_has_json_endpoints_to_fuzz():
    assert len(OPERATIONS) > 40


@pytest.mark.parametrize(("method", "path", "request_schema"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_hostile_bodies_never_get_a_server_error(fuzz_client, settings, method, path, request_schema):
    failures = []
    for body in hostile_bodies(request_schema):
        response = fuzz_client.generic(method.upper(), path, body.encode("utf-8", "surrogatepass"), "application/json")
        if response.status_code >= 500:
            failures.append((body[:80], response.status_code, response.content[:300]))
        elif response.status_code >= 400:
            assert set(response.json()) == {"error"}, (body[:80], response.content[:300])
    settings.API_MAX_JSON_BYTES = 10_000
    oversize = fuzz_client.generic(method.upper(), path, json.dumps({"x": "y" * 20_000}), "application/json")
    if oversize.status_code not in {401, 403, 404, 405}:
        assert oversize.status_code == 413, (oversize.status_code, oversize.content[:300])
    assert not failures, failures
