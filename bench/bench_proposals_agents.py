"""Guardian and Imperium over a real repository, against the bare tools on the same files.

The repository: this project's own ``apps/`` Python files plus three libraries from the virtualenv
with older-style code that ruff has plenty to say about (``bandit``, ``yaml``, ``requests``),
committed to a throwaway git repository. The per-run cap on proposals is lifted so that every
change is proposed.

- Guardian, ours: a whole agent run as the worker runs it (``services.execute``): list the files at
  the branch head, a temporary worktree, Bandit on every file plus Guardian's own rules, mechanical
  fixes, every finding stored as a suggestion, fixes turned into proposals (each checked against
  the head), the log written. Baseline: ``bandit -r -q -f json`` on a plain copy of the same files.
- Imperium, ours: the same run shape with ruff's optimisation rules: violations as JSON, the fixes
  applied in the worktree, each change cut into a unique snippet and proposed (at most
  ``PROPOSALS_AGENT_MAX_PROPOSALS``). Baseline: ``ruff check --isolated --fix-only`` with the same
  rules on a plain copy (a fresh copy each time, so there is always something to fix).

Each is timed 3 times (proposals of the previous repeat deleted first) and the median kept.
"""

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from _harness import ROOT, setup_django

REPEATS = 3


def make_repository(folder: Path) -> list[str]:
    import bandit
    import requests
    import yaml

    from apps.proposals.engine import gitops

    sources = [(ROOT / "apps", "apps")] + [
        (Path(m.__file__).parent, f"vendor/{m.__name__}") for m in (bandit, yaml, requests)
    ]
    files = []
    for source, prefix in sources:
        for path in sorted(source.rglob("*.py")):
            rel = Path(prefix) / path.relative_to(source)
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, folder / rel)
            files.append(rel)
    for args in (
        ["init", "--quiet", "--initial-branch", "main"],
        ["add", "."],
        ["-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit", "--quiet", "-m", "apps"],
    ):
        gitops.git(folder, *args)
    return [str(f) for f in files]


def timed(fn) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    teardown = setup_django()
    try:
        from django.conf import settings
        from ruff.__main__ import find_ruff_bin

        settings.PROPOSALS_AGENT_MAX_PROPOSALS = 100_000

        from apps.proposals import services
        from apps.proposals.models import AgentRun, Proposal

        work = Path(tempfile.mkdtemp(prefix="bench-agents-"))
        repo = work / "repo"
        repo.mkdir()
        files = make_repository(repo)
        plain = work / "plain"
        shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
        repository = services.register_repository(name="apps", path=str(repo))
        print(f"{len(files)} Python files, {sum((repo / f).stat().st_size for f in files) / 1e6:.2f} MB")

        def run(agent: str) -> AgentRun:
            Proposal.objects.all().delete()
            made = AgentRun.objects.create(agent=agent, repository=repository)
            services.execute(made)
            return AgentRun.objects.get(pk=made.pk)

        bandit_cli = shutil.which("bandit") or str(Path(find_ruff_bin()).parent / "bandit")
        base = timed(
            lambda: subprocess.run([bandit_cli, "-r", "-q", "-f", "json", str(plain)], capture_output=True, check=False)
        )
        ours = timed(lambda: run("guardian"))
        last = AgentRun.objects.filter(agent="guardian").first()
        print(f"\nGuardian: {last.findings} findings, {last.proposals_created} proposals")
        print(f"  bare bandit -r (baseline)        {base:7.2f} s")
        print(f"  Guardian run                     {ours:7.2f} s")
        print(f"  ratio (baseline / ours)          {base / ours:7.2f}")

        rules = ",".join(settings.PROPOSALS_IMPERIUM_RULES)

        def bare_ruff():
            copy = work / "ruff-copy"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(plain, copy)
            started = time.perf_counter()
            subprocess.run(
                [
                    find_ruff_bin(),
                    "check",
                    "--isolated",
                    "--no-cache",
                    "--exit-zero",
                    "--select",
                    rules,
                    "--fix-only",
                    "--unsafe-fixes",
                    str(copy),
                ],
                capture_output=True,
                check=False,
            )
            return time.perf_counter() - started

        base = statistics.median(bare_ruff() for _ in range(REPEATS))
        ours = timed(lambda: run("imperium"))
        last = AgentRun.objects.filter(agent="imperium").first()
        print(f"\nImperium ({rules}): {last.findings} fixes, {last.proposals_created} proposals")
        print(f"  bare ruff --fix-only (baseline)  {base:7.2f} s")
        print(f"  Imperium run                     {ours:7.2f} s")
        print(f"  ratio (baseline / ours)          {base / ours:7.2f}")
        shutil.rmtree(work, ignore_errors=True)
    finally:
        teardown()


if __name__ == "__main__":
    main()
