"""The window never phones home: the real app, driven through a first run on both backends,
opens no connection and leaves nothing in the person's home (issue 15).

The app runs in a child under a socket audit: a `sitecustomize` on PYTHONPATH installs an audit
hook (PEP 578) in that interpreter and in every Python child it starts (the OpenVINO export runs
in one); a forked child (OpenVINO's telemetry sends from one) inherits the hook. Each network
event is appended as a JSON line to one file. OpenVINO's telemetry is silent under CI=true, so
the child runs without CI, and with a HOME of its own, where telemetry would write ~/intel.

The audit sees what Python code does (the telemetry is Python); native code that opened a
socket itself would not show here, which is why the test also runs the child under strace
where strace works.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.models.downloads import OFFLINE_ENV
from app.core.paths import HOME_ENV

# Every test here starts a Python child; the window's runs take about 20 s each.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("privacy_drive.py")
AUDIT_ENV = "MINICPM_PRIVACY_AUDIT"
# Everything by which Python code can resolve a name or reach another machine, the processes
# it starts, and each interpreter the hook is installed in (to see it reached the children).
SITECUSTOMIZE = """
import json, os, socket, sys

_LOG = os.environ.get("MINICPM_PRIVACY_AUDIT")
_NETWORK = {
    "socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
    "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr",
    "socket.getnameinfo", "urllib.Request",
}
_PROCESSES = {"subprocess.Popen", "os.posix_spawn", "os.exec"}


def _write(line):
    data = (json.dumps({"pid": os.getpid(), **line}) + "\\n").encode()
    fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)  # one write per line: processes append without mixing lines
    finally:
        os.close(fd)


def _describe(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        family = getattr(sock, "family", None)
        return {"family": getattr(family, "name", str(family)), "address": repr(address)}
    return {"args": repr(args)[:300]}


def _hook(event, args):
    if event not in _NETWORK and event not in _PROCESSES:
        return
    _write({"event": event, **_describe(event, args)})


if _LOG:
    sys.addaudithook(_hook)
    _write({"event": "audit.installed", "args": repr(sys.orig_argv)})
"""
# GenerationStats.backend names the library; settings.json and LoadedModel name the backend.
STATS_NAMES = {"llama": "llama.cpp", "openvino": "openvino"}
STARTER_SETTINGS = {"temperature": 0.0, "max_new_tokens": 8, "context_length": 1024}


def audited_env(root: Path, backend: str, offline: bool) -> dict[str, str]:
    hook_dir = root / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    home, data = root / "home", root / "data"
    home.mkdir()
    data.mkdir()
    settings = {**STARTER_SETTINGS, "backend": backend}
    (data / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", OFFLINE_ENV)}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local/share"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=os.pathsep.join([str(hook_dir), str(REPO)]),
        **{HOME_ENV: str(data), AUDIT_ENV: str(root / "audit.jsonl")},
    )
    if offline:
        env[OFFLINE_ENV] = "1"
    return env


NOT_NETWORK = ("audit.installed", "subprocess.Popen", "os.posix_spawn", "os.exec")
# glibc asks its name service cache daemon over a local socket before it sends a DNS query.
NAME_SERVICE_SOCKETS = ("/var/run/nscd/", "/run/nscd/")


def is_local(event: dict[str, str]) -> bool:
    """A local socket is not the network: a desktop's D-Bus (Qt, the keyring's Secret
    Service) is one. A name lookup through one is. Loopback (AF_INET) counts as a connection:
    nothing of the app's own listens there."""
    if event.get("family") != "AF_UNIX":
        return False
    return not any(path in event["address"] for path in NAME_SERVICE_SOCKETS)


def read_audit(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def strace_prefix(log: Path) -> list[str]:
    """strace's connect() log of every thread and child, where strace can trace here."""
    strace = shutil.which("strace")
    if strace is None:
        return []
    # With seccomp-bpf only connect() stops a traced thread: the app runs at nearly full speed.
    options = ["-f", "-qq", "--seccomp-bpf", "-e", "trace=connect", "-o"]
    probe = [strace, *options, os.devnull, "true"]
    if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        return []  # no ptrace in this container
    return [strace, *options, str(log)]


def native_connects(log: Path) -> list[str]:
    """connect() calls from any code, Python or native, but those to a local socket."""
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    connects = [line for line in lines if " connect(" in line]
    return [
        line
        for line in connects
        if "AF_UNIX" not in line or any(path in line for path in NAME_SERVICE_SOCKETS)
    ]


def test_the_audit_sees_a_lookup(tmp_path: Path) -> None:
    """The hook works: a name lookup (no network needed for localhost) is recorded."""
    env = audited_env(tmp_path, "llama", offline=False)
    code = "import socket; socket.getaddrinfo('localhost', 80)"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    events = read_audit(tmp_path / "audit.jsonl")
    assert [event["event"] for event in events] == ["audit.installed", "socket.getaddrinfo"]


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
def test_a_first_run_on_both_backends_connects_nowhere(tmp_path: Path, offline: bool) -> None:
    # llama.cpp first: the accelerator probe then is the first to import openvino, as on a
    # first run with the starter model.
    first_backend, second_backend = "llama", "openvino"
    env = audited_env(tmp_path, first_backend, offline)
    result_path = tmp_path / "result.json"
    strace_log = tmp_path / "strace.log"
    command = [*strace_prefix(strace_log), sys.executable, str(DRIVER), str(result_path)]
    done = subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, text=True, timeout=240, check=False
    )
    assert result_path.exists(), done.stderr[-3000:]
    result = json.loads(result_path.read_text(encoding="utf-8"))
    assert result["errors"] == [], done.stderr[-3000:]
    assert done.returncode == 0, done.stderr[-3000:]
    # Every step happened: both backends loaded and answered, both windows opened, the
    # accelerator probe (which imports openvino) ran.
    assert result["finished"] is True
    assert result["loaded"] == [first_backend, second_backend]
    answered = [a["backend"] for a in result["answers"]]
    assert answered == [STATS_NAMES[first_backend], STATS_NAMES[second_backend]]
    assert all(a["generated_tokens"] > 0 for a in result["answers"])
    assert result["settings_opened"] and result["models_opened"]
    assert "CPU" in result["hardware_probed"]

    events = read_audit(tmp_path / "audit.jsonl")
    # The hook was in the child that exports the GGUF for OpenVINO too.
    audited = [e["args"] for e in events if e["event"] == "audit.installed"]
    assert any("engine.convert.gguf_export" in args for args in audited), audited
    network = [e for e in events if e["event"] not in NOT_NETWORK and not is_local(e)]
    assert network == []
    assert native_connects(strace_log) == []
    home = Path(env["HOME"])
    assert not (home / "intel").exists()  # OpenVINO's telemetry client id and stats
    # Nothing else either: the app keeps its files in MINICPM_CHAT_HOME. (A library's cache
    # under ~/.cache, fontconfig's say, would be no connection; none was seen here.)
    assert [p.name for p in home.iterdir() if p.name != ".cache"] == []


QUIET = "; import sys; assert not [m for m in sys.modules if m.startswith('openvino_telemetry')]"


@pytest.mark.parametrize(
    "code",
    [
        "from engine.accelerators import probe_openvino_devices; probe_openvino_devices()",
        # Any process that imported some part of engine: the CLI, the conversion's children.
        "import engine.errors, openvino; openvino.Core()",
    ],
    ids=["accelerator-probe", "after-engine"],
)
def test_openvino_stays_quiet_wherever_it_is_imported(tmp_path: Path, code: str) -> None:
    env = audited_env(tmp_path, "llama", offline=False)
    subprocess.run([sys.executable, "-c", code + QUIET], env=env, cwd=REPO, check=True, timeout=120)
    events = read_audit(tmp_path / "audit.jsonl")
    assert [e for e in events if e["event"] not in NOT_NETWORK] == []
    assert not (Path(env["HOME"]) / "intel").exists()
