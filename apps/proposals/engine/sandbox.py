"""The sandbox: where repository code runs (a proposal's tests, the repository's git hooks).

Convention: nothing of the platform reaches the code it runs. The command runs under bubblewrap,
started by root (so it can bind the interpreter wherever it lives, even under a ``0700`` ``/root``)
with new network, PID, IPC and UTS namespaces; inside, before the command starts, ``setpriv`` drops
to an unprivileged uid with no capabilities and ``no_new_privs``, and ``prlimit`` sets the limits
(CPU seconds, address space, processes, file size, no core files). The filesystem it sees is
``/usr`` and the interpreter it needs, read-only; the worktree, writable; a private ``/tmp`` (a
size-capped tmpfs, also its ``HOME``); a read-only ``/dev`` and a fresh ``/proc``. Nothing else
exists there: not the project, its database file, ``.env`` or media, nor PostgreSQL's or Redis's
Unix sockets. The environment is built from an allow-list (``PATH``, ``HOME``, ``LANG`` and the
repository's own settings), never copied from the worker. There is no network (only a loopback
that is down). A wall-clock timeout kills the whole sandbox (its PID namespace dies with it), and
only the first ``output_bytes`` of what it prints are kept.

When the isolation is not available (not root, no bubblewrap, namespaces refused) ``run`` raises
``SandboxUnavailable`` saying why, unless the caller allows unisolated runs explicitly.
"""

from __future__ import annotations

import configparser
import functools
import os
import resource
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
PRIVATE_TMP = "/tmp"  # noqa: S108 - inside the sandbox: a fresh tmpfs of its own, never the host's
# Read-only system folders the sandbox sees (each only if it exists on this machine).
SYSTEM_BINDS = ("/usr", "/etc/alternatives", "/etc/ssl", "/etc/ca-certificates", "/etc/localtime")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot isolate here; nothing was run."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 300.0  # wall-clock seconds
    cpu_seconds: int = 300
    memory_bytes: int = 2 * 1024**3  # address space
    processes: int = 64  # processes of the sandbox's uid
    file_bytes: int = 100 * 1024**2  # largest file it may write; also the size of its /tmp
    output_bytes: int = 200 * 1024  # output kept


@dataclass(frozen=True)
class Policy:
    uid: int = 65534
    gid: int = 65534
    limits: Limits = field(default_factory=Limits)
    allow_unisolated: bool = False
    bwrap: str = "bwrap"


@dataclass(frozen=True)
class Outcome:
    exit_code: int | None
    output: str
    seconds: float
    timed_out: bool
    output_cut: bool
    isolated: bool


@dataclass(frozen=True)
class Program:
    """The command as it will run inside, and the folders its program needs (bound read-only)."""

    args: list[str]
    binds: list[Path]
    path: str  # PATH inside


def _real_prefix(executable: Path) -> Path:
    """The installation a program belongs to: ``…/bin/prog`` → ``…``."""
    real = executable.resolve()
    return real.parent.parent if real.parent.name == "bin" else real.parent


def program(args: list[str]) -> Program:
    """Where the command's program lives, resolved from real paths: a virtualenv's interpreter
    brings its environment and the base installation it was made from (``pyvenv.cfg``'s ``home``);
    any other program outside ``/usr`` brings its installation folder. A bare name is looked up on
    the platform's ``PATH``."""
    if not args:
        raise ValueError("An empty command.")
    found = args[0] if "/" in args[0] else shutil.which(args[0])
    if not found:
        return Program(list(args), [], SYSTEM_PATH)  # inside, it will say "not found"
    executable = Path(found).absolute()
    binds: list[Path] = []
    venv = executable.parent.parent
    if (venv / "pyvenv.cfg").is_file():
        real_venv = venv.resolve()
        binds.append(real_venv)
        config = configparser.ConfigParser()
        config.read_string("[venv]\n" + (real_venv / "pyvenv.cfg").read_text())
        if home := config["venv"].get("home"):
            binds.append(_real_prefix(Path(home.strip()) / "python"))
        executable = real_venv / "bin" / executable.name
        path = f"{real_venv / 'bin'}:{SYSTEM_PATH}"
    else:
        prefix = _real_prefix(executable)
        if not str(executable.resolve()).startswith("/usr/"):
            binds.append(prefix)
        executable = executable.resolve()
        path = f"{executable.parent}:{SYSTEM_PATH}"
    return Program([str(executable), *args[1:]], binds, path)


def _covering(binds: list[Path]) -> list[Path]:
    """The binds without those inside another one."""
    unique = sorted({b for b in binds if b.exists()}, key=lambda p: len(p.parts))
    return [b for i, b in enumerate(unique) if not any(o in b.parents for o in unique[:i])]


@functools.cache
def _probe(bwrap: str, uid: int) -> str | None:
    """Why the sandbox cannot run here (checked by running ``true`` in it once), or None."""
    if os.geteuid() != 0:
        return "the worker is not root, so it cannot start bubblewrap's namespaces and drop to the sandbox's uid"
    for tool in (bwrap, "setpriv", "prlimit"):
        if not shutil.which(tool):
            return f"{tool} is not installed (apt-get install bubblewrap util-linux)"
    try:
        done = subprocess.run(  # noqa: S603 - fixed tools, argument lists
            [*_bwrap_args(bwrap, [], Path("/"), {}, SYSTEM_PATH), *_drop(uid, uid, Limits()), "true"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap did not start: {exc}"
    if done.returncode:
        return f"bubblewrap could not isolate: {(done.stderr or done.stdout).strip()[:300]}"
    return None


def isolation_problem(policy: Policy) -> str | None:
    """Why this machine cannot run the sandbox as ``policy`` asks, or None when it can."""
    return _probe(policy.bwrap, policy.uid)


def _ancestors(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        for parent in reversed(path.parents):
            if parent != Path("/") and parent not in found:
                found.append(parent)
    return found


def _bwrap_args(
    bwrap: str,
    binds: list[Path],
    workdir: Path,
    env: dict[str, str],
    path: str,
    tmp_bytes: int = 0,
    writable: list[Path] = (),
    aliases: dict[str, Path] | None = None,
) -> list[str]:
    args = [
        bwrap,
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--symlink",
        "usr/bin",
        "/bin",
        "--symlink",
        "usr/sbin",
        "/sbin",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--remount-ro",
        "/dev",
        "--perms",
        "1777",
        *(["--size", str(tmp_bytes)] if tmp_bytes else []),
        "--tmpfs",
        PRIVATE_TMP,
    ]
    system = [Path(p) for p in SYSTEM_BINDS if Path(p).exists()]
    aliases = aliases or {}
    own = _covering([*binds, *writable, workdir]) if workdir != Path("/") else []
    own += [Path(inside) for inside in aliases]  # not on the host: made inside
    for parent in _ancestors([*system, *own]):
        if str(parent) in (PRIVATE_TMP, "/usr") or any(parent == s or s in parent.parents for s in system):
            continue
        # Traversable, not listable: the path to a bound folder (a virtualenv inside the project,
        # say) must not show what else lives beside it.
        args += ["--perms", "0711", "--dir", str(parent)]
    for folder in system:
        args += ["--ro-bind", str(folder), str(folder)]
    for folder in _covering(binds):
        if folder != workdir and workdir not in folder.parents:
            args += ["--ro-bind", str(folder), str(folder)]
    for inside, source in aliases.items():
        args += ["--ro-bind", str(source), inside]
    for folder in writable:
        args += ["--bind", str(folder), str(folder)]
    if workdir != Path("/"):
        args += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir)]
    args += ["--clearenv", "--setenv", "PATH", path]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return args


def _drop(uid: int, gid: int, limits: Limits) -> list[str]:
    """Inside the namespaces: become ``uid`` with no capabilities, then set the limits."""
    return [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={gid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "prlimit",
        f"--cpu={limits.cpu_seconds}",
        f"--as={limits.memory_bytes}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_bytes}",
        "--core=0",
        "--",
    ]


def base_environment(home: str = PRIVATE_TMP) -> dict[str, str]:
    """What every sandboxed command gets (PATH is set from its program)."""
    return {"HOME": home, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}


def _collect(stream, keep: int, kept: list[bytes], cut: list[bool]) -> None:
    """Read everything (so the program never blocks on a full pipe), keep the first ``keep`` bytes."""
    size = 0
    while chunk := stream.read(65536):
        if size < keep:
            kept.append(chunk[: keep - size])
        if size + len(chunk) > keep:
            cut[0] = True
        size += len(chunk)


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None, limits: Limits, preexec=None) -> Outcome:
    started = time.monotonic()
    try:
        process = subprocess.Popen(  # noqa: S603 - argument lists, no shell
            args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=preexec,  # limits for an unisolated run only
        )
    except FileNotFoundError:
        return Outcome(None, f"{args[0]}: command not found", 0.0, False, False, preexec is None)
    kept: list[bytes] = []
    cut = [False]
    reader = threading.Thread(target=_collect, args=(process.stdout, limits.output_bytes, kept, cut), daemon=True)
    reader.start()
    timed_out = False
    try:
        process.wait(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)  # bubblewrap's PID namespace dies with it
        process.wait()
    reader.join(timeout=10)
    output = b"".join(kept).decode(errors="replace")
    if cut[0]:
        output += f"\n[output cut at {limits.output_bytes // 1024} KB]"
    if timed_out:
        output += f"\n[stopped after {limits.timeout:g} s]"
    code = None if timed_out else process.returncode
    return Outcome(code, output, time.monotonic() - started, timed_out, cut[0], preexec is None)


def _unisolated_limits(limits: Limits):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _own(folder: Path, uid: int, gid: int) -> None:
    """Give ``folder`` and everything in it to ``uid`` (links themselves, never what they point to)."""
    os.chown(folder, uid, gid, follow_symlinks=False)
    for parent, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            os.chown(os.path.join(parent, name), uid, gid, follow_symlinks=False)


def run(
    args: list[str],
    *,
    workdir: Path,
    policy: Policy,
    env: dict[str, str] | None = None,
    readable: list[Path] = (),
    writable: list[Path] = (),
    aliases: dict[str, Path] | None = None,
) -> Outcome:
    """Run ``args`` in ``workdir`` inside the sandbox (``readable``: further folders it may read;
    ``writable``: further private folders it may write, like ``workdir`` handed to its uid for the
    run and taken back after; ``aliases``: folders it reads at another path, inside → source);
    ``env`` is added to the base environment. Raises
    ``SandboxUnavailable`` when it cannot isolate and the policy does not allow unisolated runs."""
    target = program(args)
    environment = {**base_environment(), **(env or {})}
    problem = isolation_problem(policy)
    if problem:
        if not policy.allow_unisolated:
            raise SandboxUnavailable(f"The sandbox cannot isolate on this machine: {problem}. Nothing was run.")
        outcome = _run(
            target.args,
            cwd=workdir,
            env={**environment, "PATH": target.path},
            limits=policy.limits,
            preexec=_unisolated_limits(policy.limits),
        )
        warning = f"[ran WITHOUT isolation (PROPOSALS_SANDBOX_ALLOW_UNISOLATED): {problem}]\n"
        return Outcome(
            outcome.exit_code, warning + outcome.output, outcome.seconds, outcome.timed_out, outcome.output_cut, False
        )
    command = [
        *_bwrap_args(
            shutil.which(policy.bwrap) or policy.bwrap,
            [*target.binds, *readable],
            workdir,
            environment,
            target.path,
            tmp_bytes=policy.limits.file_bytes,
            writable=list(writable),
            aliases=aliases,
        ),
        *_drop(policy.uid, policy.gid, policy.limits),
        *target.args,
    ]
    mine = os.stat(workdir)
    for folder in [workdir, *writable]:
        _own(folder, policy.uid, policy.gid)
    try:
        return _run(command, cwd=Path("/"), env={}, limits=policy.limits)
    finally:  # every process of the sandbox is gone (its PID namespace died with bubblewrap)
        for folder in [workdir, *writable]:
            _own(folder, mine.st_uid, mine.st_gid)
