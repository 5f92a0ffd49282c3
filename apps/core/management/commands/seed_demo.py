"""``manage.py seed_demo``: the demo user and every app's demo data. Safe to run again.

Each app that has demo data gives a ``demo`` module with ``seed(context) -> dict | None``; they run
in INSTALLED_APPS order and each may add to the shared context (accounts adds the demo ``user``).
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create the demo user and each app's demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even when DEBUG=0 (the demo login is public knowledge).",
        )

    def handle(self, *args, allow_production: bool = False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("Refusing to seed demo data with DEBUG=0; pass --allow-production to insist.")
        context: dict = {}
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if not config.name.startswith("apps.") or find_spec(module_name) is None:
                continue
            with transaction.atomic():
                added = import_module(module_name).seed(context)
            if added:
                context.update(added)
            self.stdout.write(f"  seeded {config.label}")
        login = context.get("login")
        if login:
            self.stdout.write(self.style.SUCCESS(f"Demo login: {login['email']} / {login['password']}"))
