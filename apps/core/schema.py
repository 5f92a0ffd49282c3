"""The OpenAPI contract's shared parts: the error shape, the job-accepted answer, tags per app, and
one post-processing hook that declares the errors any operation can answer.

Conventions (a client can be generated from the schema):
- every 2xx answer has a schema (``None`` only for 204);
- every operation declares ``401``/``403``/``429``/``503`` (authentication, permission, rate
  limit or lockout, a dependency down), operations with input ``400`` and ``413``, operations with
  a path parameter ``404``, each with the error shape ``Error``;
- operations are tagged with the app that serves them (``accounts``, ``market``, …);
- an operation that takes JSON documents only JSON as its request body (DRF's form parsers still
  accept forms, but one media type keeps generated clients simple).
"""

from drf_spectacular.openapi import AutoSchema

# A response that is a JSON array of objects (for views that answer a list of plain dicts).
JSON_LIST = {"type": "array", "items": {"type": "object", "additionalProperties": {}}}


class PlatformAutoSchema(AutoSchema):
    """Tags each operation with the app whose view serves it (``apps.<app>.api``)."""

    def get_tags(self) -> list[str]:
        module = type(self.view).__module__.split(".")
        if len(module) > 1 and module[0] == "apps":
            return [module[1]]
        return super().get_tags()


ALWAYS = ("401", "403", "429", "503")
DESCRIPTIONS = {
    "400": "Bad input: the error names each field at fault.",
    "401": "Not authenticated (send a session, a JWT or an API key).",
    "403": "Authenticated, but not allowed.",
    "404": "No such object, or not yours.",
    "409": "Conflicts with the current state.",
    "413": "An input over its size limit.",
    "422": "Well-formed but cannot be processed (e.g. an Idempotency-Key reused with another body).",
    "429": "Rate limit, lockout or quota; `retry_after` and `Retry-After` say how long to wait.",
    "503": "A dependency (database, cache, broker, a model or Claude) is unavailable.",
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_BODY = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Stable and machine-readable: `invalid`, `not_found`, …"},
        "message": {"type": "string", "description": "What went wrong, for a person."},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": "Field name → its messages (nested for nested input).",
        },
        "retry_after": {"type": "integer", "description": "Seconds to wait (429 only)."},
    },
    "required": ["code", "message", "fields"],
}


def declare_common_errors(result, generator, request, public):
    """Post-processing hook: the ``Error`` component, and the error answers of every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorBody", ERROR_BODY)
    schemas.setdefault(
        "Error",
        {"type": "object", "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}}, "required": ["error"]},
    )
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body:  # JSON is the documented input; forms are a convenience
                operation["requestBody"]["content"] = {"application/json": body["application/json"]}
            codes = set(ALWAYS)
            writes = method in {"post", "put", "patch"}
            if operation.get("parameters") or operation.get("requestBody") or writes:
                codes.add("400")
            if writes:
                codes |= {"409", "413", "422"}
            if "{" in path:
                codes.add("404")
            responses = operation["responses"]
            for code in sorted(codes):
                responses.setdefault(
                    code,
                    {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ERROR_REF}}},
                )
            for code, response in responses.items():
                if code.startswith("4") or code.startswith("5"):
                    response.setdefault("content", {"application/json": {"schema": ERROR_REF}})
                    response["description"] = response.get("description") or DESCRIPTIONS.get(code, "Error.")
    return result
