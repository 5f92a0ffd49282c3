"""Conquest: a new app or feature as one multi-file proposal, each file rendered offline from a
template of the codegen app.

A scaffold is a list of ``{"path", "template", "params"}`` (``template`` may be empty for a file
whose ``content`` is given), either written out by the caller or expanded from a blueprint:

- ``django-app`` (``app``, ``model``, ``fields``, ``base`` = ``apps``): ``__init__.py``, ``apps.py``
  (``django-app-config``), ``models.py`` with the admin (``django-model-admin``) and
  ``tests/test_<model>.py`` (``django-model-tests``);
- ``rest-resource`` (``resource``, ``fields``, ``base`` = ``api``): a FastAPI router
  (``fastapi-endpoint``) and its SQL table (``sql-schema``);
- ``cli-tool`` (``prog``, ``commands``, ``base`` = ``tools``): an argparse program (``python-cli``).
"""

from __future__ import annotations

import re

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class BlueprintError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _names(value, field: str) -> list[str]:
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and IDENTIFIER.match(v) for v in items):
        raise BlueprintError({f"params.{field}": "A list of Python identifiers (or a comma-separated string)."})
    return items


def _name(params: dict, field: str, default: str | None = None) -> str:
    value = params.get(field, default)
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise BlueprintError({f"params.{field}": "Required: a Python identifier."})
    return value


def _base(params: dict, default: str) -> str:
    base = str(params.get("base", default)).strip().strip("/")
    if not base or not all(IDENTIFIER.match(part) for part in base.split("/")):
        raise BlueprintError({"params.base": "A folder path of identifiers, like apps or src/apps."})
    return base


def _django_app(params: dict) -> list[dict]:
    app, model = _name(params, "app"), _name(params, "model")
    fields, base = _names(params.get("fields", ["name"]), "fields"), _base(params, "apps")
    package = base.replace("/", ".")
    return [
        {"path": f"{base}/{app}/apps.py", "template": "django-app-config", "params": {"app": app, "package": package}},
        {"path": f"{base}/{app}/__init__.py", "template": "", "content": f'"""The {app} app."""\n'},
        {
            "path": f"{base}/{app}/models.py",
            "template": "django-model-admin",
            "params": {"model": model, "fields": fields},
        },
        {"path": f"{base}/{app}/tests/__init__.py", "template": "", "content": ""},
        {
            "path": f"{base}/{app}/tests/test_{model.lower()}.py",
            "template": "django-model-tests",
            "params": {"module": f"{package}.{app}.models", "model": model, "fields": fields},
        },
    ]


def _rest_resource(params: dict) -> list[dict]:
    resource, base = _name(params, "resource"), _base(params, "api")
    fields = _names(params.get("fields", ["name"]), "fields")
    return [
        {
            "path": f"{base}/{resource.lower()}.py",
            "template": "fastapi-endpoint",
            "params": {"resource": resource, "fields": fields},
        },
        {
            "path": f"{base}/sql/{resource.lower()}.sql",
            "template": "sql-schema",
            "params": {"table": f"{resource.lower()}s", "columns": fields},
        },
    ]


def _cli_tool(params: dict) -> list[dict]:
    prog, base = _name(params, "prog"), _base(params, "tools")
    commands = _names(params.get("commands", ["run"]), "commands")
    return [{"path": f"{base}/{prog}.py", "template": "python-cli", "params": {"prog": prog, "commands": commands}}]


BLUEPRINTS = {
    "django-app": ("A Django app: config, model with admin, tests.", ["app", "model", "fields", "base"], _django_app),
    "rest-resource": ("A REST resource: FastAPI router and SQL table.", ["resource", "fields", "base"], _rest_resource),
    "cli-tool": ("A command-line tool with sub-commands.", ["prog", "commands", "base"], _cli_tool),
}


def expand(blueprint: str, params: dict) -> list[dict]:
    """The files of a blueprint for these parameters, or ``BlueprintError`` naming the field."""
    if blueprint not in BLUEPRINTS:
        raise BlueprintError({"blueprint": f"Unknown blueprint {blueprint!r}; choose one of {', '.join(BLUEPRINTS)}."})
    _, declared, build = BLUEPRINTS[blueprint]
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise BlueprintError({f"params.{unknown[0]}": f"Not a parameter of {blueprint} ({', '.join(declared)})."})
    return build(params)


def catalogue() -> list[dict]:
    return [
        {"name": name, "description": description, "parameters": declared}
        for name, (description, declared, _) in BLUEPRINTS.items()
    ]
