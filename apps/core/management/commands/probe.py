"""Health probe for processes that serve no HTTP (beat, the feed, workers on their own nodes).

``manage.py probe`` exits 0 when the database, cache, broker and channel layer answer (each within
two seconds), 1 otherwise, printing the readiness report as JSON. Container health checks and
Kubernetes exec probes call it.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core import health


class Command(BaseCommand):
    help = "Exit 0 when every dependency of this process answers, 1 with the failing ones otherwise."

    def add_arguments(self, parser):
        parser.add_argument("--process", default="any", help="Which process asks (for the report only).")

    def handle(self, *args, process: str, **options):
        ok, report = health.readiness_report()
        report["process"] = process
        self.stdout.write(json.dumps(report))
        if not ok:
            raise CommandError(f"not ready: {', '.join(report['failing'])}")
