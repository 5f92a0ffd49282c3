"""Loaded by every Python process of a sandboxed test run (the sandbox puts this folder first on
``PYTHONPATH``): counts the tests that run, and notes which of the changed files were imported and
which of their lines ran, then writes that to ``SANDBOX_PROBE_REPORT/<pid>.json`` when the process
ends. It reads and writes nothing else; a process that replaces the trace function (a coverage
tool) simply reports fewer lines."""

import atexit
import json
import os
import sys
import threading

_REPORT = os.environ.get("SANDBOX_PROBE_REPORT", "")
_CHANGED = frozenset(json.loads(os.environ.get("SANDBOX_PROBE_CHANGED", "[]")))
counts = {"unittest": 0, "pytest": 0, "pytest_active": False, "unittest_runner": False}
_lines: dict[str, set[int]] = {}
_paths: dict[str, str | None] = {}


def _changed(filename: str) -> str | None:
    if filename not in _paths:
        full = os.path.abspath(filename)
        _paths[filename] = full if full in _CHANGED else None
    return _paths[filename]


def _local(frame, event, arg):
    if event == "line":
        _lines[frame.f_code.co_filename].add(frame.f_lineno)
    return _local


def _global(frame, event, arg):
    if _changed(frame.f_code.co_filename) is None:
        return None
    _lines.setdefault(frame.f_code.co_filename, set()).add(frame.f_lineno)
    return _local


def _count_unittest() -> None:
    import unittest.case

    original = unittest.case.TestCase.run

    def run(self, result=None):
        skipped = len(getattr(result, "skipped", ()) or ())
        outcome = original(self, result)
        if len(getattr(result, "skipped", ()) or ()) == skipped:
            counts["unittest"] += 1
        return outcome

    unittest.case.TestCase.run = run

    import unittest.runner

    started = unittest.runner.TextTestRunner.run

    def run_suite(self, test):
        counts["unittest_runner"] = True
        return started(self, test)

    unittest.runner.TextTestRunner.run = run_suite


def _write() -> None:
    imported = sorted(
        {
            path
            for module in list(sys.modules.values())
            if (name := getattr(module, "__file__", None)) and (path := _changed(name))
        }
    )
    lines: dict[str, list[int]] = {}
    for filename, seen in _lines.items():
        if path := _changed(filename):
            lines.setdefault(path, []).extend(sorted(seen))
    tests = None  # no test runner in this process
    if counts["pytest_active"]:
        tests = counts["pytest"]
    elif counts["unittest_runner"]:
        tests = counts["unittest"]
    traced = bool(_CHANGED) and sys.gettrace() is _global  # nobody replaced the tracer: the lines are complete
    report = {"tests": tests, "imported": imported, "lines": lines, "traced": traced}
    try:
        with open(os.path.join(_REPORT, f"{os.getpid()}.json"), "w") as handle:
            json.dump(report, handle)
    except OSError:
        pass


if _REPORT:
    _count_unittest()
    if _CHANGED:
        sys.settrace(_global)
        threading.settrace(_global)
    atexit.register(_write)
