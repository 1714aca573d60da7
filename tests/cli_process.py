"""Running the real `flowsg` command in a process of its own, for the tests that need one: exit
codes as a shell sees them, signals, two runs at once, a run paused at a known point.

A run is paused with flowsg.hold (``FLOWSG_TEST_HOLD=<point>:<folder>``): ``Held.wait()`` returns
once the run has reached the point, ``Held.release()`` lets it go on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from flowsg.hold import HOLD_ENV

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs"
SCRIPT = Path(sys.executable).with_name("flowsg")


def command(*args: str) -> list[str]:
    """argv of the installed `flowsg` console script (or the module, without one)."""
    if SCRIPT.exists():
        return [str(SCRIPT), *args]
    return [sys.executable, "-c", "from flowsg.cli import entry_point; entry_point()", *args]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != HOLD_ENV}
    env.update(extra)
    return env


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
    done = subprocess.run(
        command(*args),
        capture_output=True,
        env=env or environment(),
        cwd=cwd,
        timeout=300,
        check=False,
    )
    return Result(done.returncode, done.stdout.decode(), done.stderr.decode())


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def error_line(self) -> str:
        """The one line on stderr of a failed run (and no traceback)."""
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith("flowsg: "), self.stderr
        assert "Traceback" not in self.stderr
        return lines[0]


def _default_sigint() -> None:
    """In the child, before flowsg starts: SIGINT does what it does in a terminal. A test run in
    the background of a non-interactive shell inherits SIGINT ignored, and the signals the tests
    send would be lost (the interrupted run went on to exit 0)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Held:
    """A `flowsg` run started in the background and paused at ``point``."""

    def __init__(self, point: str, folder: Path, *args: str, env: dict[str, str] | None = None):
        self.point, self.folder = point, folder
        folder.mkdir(parents=True, exist_ok=True)
        hold_env = (env or environment()) | {HOLD_ENV: f"{point}:{folder}"}
        self.process = subprocess.Popen(
            command(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=hold_env,
            preexec_fn=_default_sigint,
        )

    def wait(self, timeout: float = 120.0) -> None:
        """Until the run has reached its point (fails if it ended first)."""
        marker = self.folder / f"{self.point}.held"
        deadline = time.monotonic() + timeout
        while not marker.exists():
            if self.process.poll() is not None:
                _, err = self.process.communicate()
                raise AssertionError(
                    f"flowsg ended ({self.process.returncode}) before {self.point}: {err.decode()}"
                )
            assert time.monotonic() < deadline, f"flowsg never reached {self.point}"
            time.sleep(0.02)

    def release(self) -> None:
        (self.folder / f"{self.point}.release").write_text("go")

    def finish(self, timeout: float = 300.0) -> Result:
        out, err = self.process.communicate(timeout=timeout)
        return Result(self.process.returncode, out.decode(), err.decode())

    def kill(self, sig: int) -> Result:
        self.process.send_signal(sig)
        return self.finish()
