"""Demo data: a small service in a local git repository (written from the text below, committed),
registered for proposals, with a first Guardian run and a first Imperium run done so the review page
has real proposals to decide. Nothing is fetched; the repository lives at
``PROPOSALS_DEMO_REPOSITORY``."""

import sys
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from . import services
from .engine import gitops
from .models import AgentRun, Repository

NAME = "demo-service"
FILES = {
    "service/__init__.py": '"""A small service to try the agents on."""\n',
    "service/config.py": """import os

import yaml


def load(path):
    with open(path) as handle:
        return yaml.load(handle)


def env(name, default=None):
    return os.environ.get(name, default)
""",
    "service/client.py": """import requests


def fetch_quote(symbol):
    return requests.get(f"https://quotes.example.com/{symbol}").json()


def fetch_all(symbols):
    return dict([(s, fetch_quote(s)) for s in symbols])
""",
    "service/stats.py": """import sys


def evens(values):
    found = list([v for v in values if v % 2 == 0])
    return found


def total(values):
    return sum(values)
""",
    "tests/__init__.py": "",
    "tests/test_stats.py": """import unittest

from service import stats


class StatsTest(unittest.TestCase):
    def test_evens(self):
        self.assertEqual(stats.evens([1, 2, 3, 4]), [2, 4])

    def test_total(self):
        self.assertEqual(stats.total([1, 2, 3]), 6)
""",
}


def _create(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for name, content in FILES.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(content)
    gitops.git(path, "init", "--quiet", "--initial-branch", "main")
    gitops.git(path, "add", ".")
    gitops.git(path, "-c", "user.name=Demo", "-c", "user.email=demo@example.com", "commit", "--quiet", "-m", "Demo")


def seed(context: dict) -> None:
    if Repository.objects.filter(name=NAME).exists():
        return
    path = Path(settings.PROPOSALS_DEMO_REPOSITORY)
    if not gitops.is_repository(path):
        _create(path)
    try:
        repository = services.register_repository(
            name=NAME,
            path=str(path),
            test_command=f"{sys.executable} -m unittest discover -s tests -t . -q",
            actor=context["user"],
        )
    except ValidationError:  # outside PROPOSALS_REPOSITORY_ROOTS: no demo repository then
        return
    for agent in ("guardian", "imperium"):
        services.execute(AgentRun.objects.create(agent=agent, repository=repository, started_by=context["user"]))
