"""The starting template library (editable afterwards in the admin; each change is a revision)."""

from django.db import migrations

LIBRARY = [
    {
        "slug": "react-component",
        "name": "React function component",
        "description": "A typed React component with props and state.",
        "language": "typescript",
        "parameters": [
            {"name": "name", "type": "string", "required": True, "identifier": True, "help": "Component name"},
            {"name": "props", "type": "list", "default": ["title"], "identifier": True, "help": "Prop names"},
            {"name": "with_state", "type": "boolean", "default": True},
        ],
        "body": """import {% if with_state %}{ useState } from "react"{% else %}React from "react"{% endif %};

export interface {{ name }}Props {
{% for prop in props %}  {{ prop }}: string;
{% endfor %}}

export function {{ name }}({ {{ props|join:", " }} }: {{ name }}Props) {
{% if with_state %}  const [open, setOpen] = useState(false);
{% endif %}  return (
    <section className="{{ name|lower }}">
{% for prop in props %}      <p>{ {{ prop }} }</p>
{% endfor %}{% if with_state %}      <button type="button" onClick={() => setOpen(!open)}>{open ? "Hide" : "Show"}</button>
{% endif %}    </section>
  );
}
""",
    },
    {
        "slug": "fastapi-endpoint",
        "name": "REST endpoint (FastAPI)",
        "description": "CRUD routes for one resource with Pydantic models.",
        "language": "python",
        "parameters": [
            {"name": "resource", "type": "string", "required": True, "identifier": True},
            {"name": "fields", "type": "list", "default": ["name"], "identifier": True},
        ],
        "body": """from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

router = APIRouter(prefix="/{{ resource|lower }}s", tags=["{{ resource|lower }}s"])


class {{ resource|capfirst }}In(BaseModel):
{% for field in fields %}    {{ field }}: str
{% endfor %}

class {{ resource|capfirst }}({{ resource|capfirst }}In):
    id: int


_store: dict[int, {{ resource|capfirst }}] = {}


@router.get("/", response_model=list[{{ resource|capfirst }}])
def list_{{ resource|lower }}s() -> list[{{ resource|capfirst }}]:
    return list(_store.values())


@router.post("/", response_model={{ resource|capfirst }}, status_code=201)
def create_{{ resource|lower }}(data: {{ resource|capfirst }}In) -> {{ resource|capfirst }}:
    item = {{ resource|capfirst }}(id=len(_store) + 1, **data.model_dump())
    _store[item.id] = item
    return item


@router.get("/{item_id}", response_model={{ resource|capfirst }})
def get_{{ resource|lower }}(item_id: int) -> {{ resource|capfirst }}:
    if item_id not in _store:
        raise HTTPException(status_code=404, detail="{{ resource|capfirst }} not found")
    return _store[item_id]
""",
    },
    {
        "slug": "express-endpoint",
        "name": "REST endpoint (Express)",
        "description": "An Express router with list, create and read.",
        "language": "javascript",
        "parameters": [{"name": "resource", "type": "string", "required": True, "identifier": True}],
        "body": """import express from "express";

export const router = express.Router();
const items = new Map();

router.get("/{{ resource|lower }}s", (req, res) => {
  res.json([...items.values()]);
});

router.post("/{{ resource|lower }}s", express.json(), (req, res) => {
  if (!req.body || typeof req.body !== "object") {
    return res.status(400).json({ error: "Send a JSON object." });
  }
  const item = { id: items.size + 1, ...req.body };
  items.set(item.id, item);
  return res.status(201).json(item);
});

router.get("/{{ resource|lower }}s/:id", (req, res) => {
  const item = items.get(Number(req.params.id));
  return item ? res.json(item) : res.status(404).json({ error: "{{ resource|capfirst }} not found" });
});
""",
    },
    {
        "slug": "django-model-admin",
        "name": "Django model + admin",
        "description": "A model with timestamps and its admin registration.",
        "language": "python",
        "parameters": [
            {"name": "model", "type": "string", "required": True, "identifier": True},
            {"name": "fields", "type": "list", "default": ["name"], "identifier": True},
        ],
        "body": """from django.contrib import admin
from django.db import models


class {{ model|capfirst }}(models.Model):
{% for field in fields %}    {{ field }} = models.CharField(max_length=200)
{% endfor %}    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.{{ fields|first }})


@admin.register({{ model|capfirst }})
class {{ model|capfirst }}Admin(admin.ModelAdmin):
    list_display = ({% for field in fields %}"{{ field }}", {% endfor %}"created_at")
    search_fields = ({% for field in fields %}"{{ field }}", {% endfor %})
""",
    },
    {
        "slug": "sql-schema",
        "name": "SQL table schema",
        "description": "A PostgreSQL table with a primary key, timestamps and an index.",
        "language": "sql",
        "parameters": [
            {"name": "table", "type": "string", "required": True, "identifier": True},
            {"name": "columns", "type": "list", "default": ["name"], "identifier": True},
        ],
        "body": """CREATE TABLE {{ table }} (
    id BIGSERIAL PRIMARY KEY,
{% for column in columns %}    {{ column }} TEXT NOT NULL,
{% endfor %}    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX {{ table }}_created_at_idx ON {{ table }} (created_at);
""",
    },
    {
        "slug": "python-cli",
        "name": "Command-line tool (Python)",
        "description": "An argparse CLI with sub-commands and exit codes.",
        "language": "python",
        "parameters": [
            {"name": "prog", "type": "string", "required": True},
            {"name": "commands", "type": "list", "default": ["run"], "identifier": True},
        ],
        "body": """import argparse
import sys


{% for command in commands %}def {{ command }}(args: argparse.Namespace) -> int:
    print("{{ command }}", args)
    return 0


{% endfor %}def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="{{ prog }}")
    commands = parser.add_subparsers(dest="command", required=True)
{% for command in commands %}    commands.add_parser("{{ command }}").set_defaults(handler={{ command }})
{% endfor %}    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
""",
    },
    {
        "slug": "go-http-handler",
        "name": "HTTP handler (Go)",
        "description": "A net/http JSON handler with method checks.",
        "language": "go",
        "parameters": [{"name": "name", "type": "string", "required": True, "identifier": True}],
        "body": """package main

import (
	"encoding/json"
	"net/http"
)

func {{ name }}Handler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
}
""",
    },
]


def add(apps, schema_editor):
    CodeTemplate = apps.get_model("codegen", "CodeTemplate")
    for item in LIBRARY:
        CodeTemplate.objects.update_or_create(slug=item["slug"], defaults=item)


def remove(apps, schema_editor):
    apps.get_model("codegen", "CodeTemplate").objects.filter(slug__in=[i["slug"] for i in LIBRARY]).delete()


class Migration(migrations.Migration):
    dependencies = [("codegen", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
