"""Operating the processes: `insure run` stops on either signal; a worker gets its connection pool back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import RUN_DIR

from .conftest import ROOT, free_port

pytestmark = pytest.mark.integration


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, their children …), from /proc."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_insure_run_stops_web_worker_and_beat_on_sigint_even_when_started_with_sigint_ignored():
    # a background job of a non-interactive shell inherits SIGINT ignored; `kill -INT` must still stop it all
    var_dir = tempfile.mkdtemp(prefix="run-", dir=RUN_DIR)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BROKER_URL", "REDIS_URL"}}
    env |= {"VAR_DIR": var_dir, "DOCUMENT_DIR": "", "MAIL_DIR": ""}
    port = free_port()
    with Path(var_dir, "run.log").open("w") as log:  # the child keeps its own copy of the descriptor
        run = subprocess.Popen(
            [sys.executable, "-m", "insure", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_ignore_sigint,
        )
    commands: dict[int, list[bytes]] = {}
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert run.poll() is None, Path(var_dir, "run.log").read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("insure run never became ready")
        commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in _descendants(run.pid)}
        roles = {c[3].decode() for c in commands.values() if len(c) > 3 and c[1:3] == [b"-m", b"insure"]}
        assert roles == {"web", "worker", "beat"}

        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=60) == 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(pid) for pid in commands):
            time.sleep(0.2)
        assert [pid for pid in commands if _alive(pid)] == []
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for pid in commands:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
