"""Two more library templates, for scaffolding a whole Django app (the proposals app's Conquest
agent composes them with ``django-model-admin``)."""

from django.db import migrations

LIBRARY = [
    {
        "slug": "django-app-config",
        "name": "Django app config",
        "description": "The AppConfig of a new Django app.",
        "language": "python",
        "parameters": [
            {"name": "app", "type": "string", "required": True, "identifier": True, "help": "App label"},
            {"name": "package", "type": "string", "default": "", "help": "Dotted package the app lives in"},
        ],
        "body": """from django.apps import AppConfig


class {{ app|capfirst }}Config(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "{% if package %}{{ package }}.{% endif %}{{ app }}"
    verbose_name = "{{ app|capfirst }}"
""",
    },
    {
        "slug": "django-model-tests",
        "name": "Django model tests (pytest)",
        "description": "pytest-django tests that create, read and order a model.",
        "language": "python",
        "parameters": [
            {"name": "module", "type": "string", "required": True, "help": "Dotted path of the models module"},
            {"name": "model", "type": "string", "required": True, "identifier": True},
            {"name": "fields", "type": "list", "default": ["name"], "identifier": True},
        ],
        "body": """import pytest

from {{ module }} import {{ model|capfirst }}

pytestmark = pytest.mark.django_db


def test_create_and_read():
    made = {{ model|capfirst }}.objects.create({% for field in fields %}{{ field }}="{{ field }} 1", {% endfor %})
    assert {{ model|capfirst }}.objects.get(pk=made.pk).{{ fields|first }} == "{{ fields|first }} 1"
    assert str(made) == "{{ fields|first }} 1"


def test_newest_first():
    first = {{ model|capfirst }}.objects.create({% for field in fields %}{{ field }}="a", {% endfor %})
    second = {{ model|capfirst }}.objects.create({% for field in fields %}{{ field }}="b", {% endfor %})
    assert list({{ model|capfirst }}.objects.all()) == [second, first]
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
    dependencies = [("codegen", "0004_alter_generation_kind_projectfile")]

    operations = [migrations.RunPython(add, remove)]
