"""Parameterised code templates, rendered offline with Django's template language (no
auto-escaping: the output is code, not HTML). Parameters are declared as
``[{"name", "type" (string, integer, boolean, choice, list), "required", "default", "choices", "help"}]``
and checked before rendering; a template can use nothing but its parameters."""

from __future__ import annotations

import re
from typing import Any

from django.template import Context, Engine, TemplateSyntaxError

ENGINE = Engine(
    autoescape=False, libraries={}, builtins=["django.template.defaultfilters", "django.template.defaulttags"]
)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class TemplateParamsError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def validate_params(declared: list[dict], given: dict[str, Any]) -> dict[str, Any]:
    """The parameters to render with (defaults filled in), or ``TemplateParamsError`` per field."""
    errors, values = {}, {}
    names = {p["name"] for p in declared}
    for unknown in sorted(set(given) - names):
        errors[unknown] = f"Not a parameter of this template (it takes {', '.join(sorted(names)) or 'none'})."
    for p in declared:
        name, kind = p["name"], p.get("type", "string")
        if name not in given or given[name] in (None, ""):
            if p.get("required") and "default" not in p:
                errors[name] = "Required."
            elif "default" in p:
                values[name] = p["default"]
            continue
        value = given[name]
        if kind == "integer":
            if isinstance(value, bool) or not str(value).lstrip("-").isdigit():
                errors[name] = "Must be a whole number."
                continue
            value = int(value)
        elif kind == "boolean":
            if not isinstance(value, bool) and str(value).lower() not in {"true", "false", "1", "0"}:
                errors[name] = "Must be true or false."
                continue
            value = value if isinstance(value, bool) else str(value).lower() in {"true", "1"}
        elif kind == "choice":
            if value not in p.get("choices", []):
                errors[name] = f"Must be one of {', '.join(p.get('choices', []))}."
                continue
        elif kind == "list":
            value = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                errors[name] = "Must be a list of names (or a comma-separated string)."
                continue
        elif not isinstance(value, str):
            errors[name] = "Must be text."
            continue
        if p.get("identifier") and not all(
            IDENTIFIER.match(v) for v in (value if isinstance(value, list) else [value])
        ):
            errors[name] = "Must be an identifier (letters, digits, underscores; not starting with a digit)."
            continue
        values[name] = value
    if errors:
        raise TemplateParamsError(errors)
    return values


def render(body: str, declared: list[dict], given: dict[str, Any]) -> str:
    values = validate_params(declared, given)
    try:
        return ENGINE.from_string(body).render(Context(values)).strip("\n") + "\n"
    except TemplateSyntaxError as exc:
        raise TemplateParamsError({"template": f"The template itself is broken: {exc}"}) from exc


def check_body(body: str) -> str | None:
    """An error message when the template body does not compile, else None (for the admin)."""
    try:
        ENGINE.from_string(body)
    except TemplateSyntaxError as exc:
        return str(exc)
    return None
