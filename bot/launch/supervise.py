"""One started process with its own log file: start, wait until it answers, stop, kill,
start again. The production profile and the tests start the process table's entries
(bot/launch/processes.py) through this; `make run` hands them to honcho instead."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import IO, List, Mapping, Optional

import requests

from bot.core.paths import PROJECT_ROOT


def wait_until_up(url: str, name: str, process: Optional[subprocess.Popen] = None, timeout: float = 180, log: str = "") -> None:
    """Returns once `url` answers below 500; fails early when the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}{'; see ' + log if log else ''}")
        try:
            if requests.get(url, timeout=2, allow_redirects=False).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{name} did not answer at {url} within {timeout:.0f} s")


class Supervised:
    """A command with its output in `log_path`. In its own session by default: a Ctrl-C meant
    for the launcher does not reach it, so the launcher stops the parts in its own order."""

    def __init__(
        self,
        name: str,
        command: List[str],
        env: Mapping[str, str],
        log_path: Path,
        health: Optional[str] = None,
        start_timeout: float = 180,
        own_session: bool = True,
    ) -> None:
        self.name = name
        self.command = command
        self.env = dict(env)
        self.log_path = Path(log_path)
        self.health = health
        self.start_timeout = start_timeout
        self.own_session = own_session
        self.process: Optional[subprocess.Popen] = None
        self._log: Optional[IO] = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.running and self.process is not None else None

    def start(self) -> "Supervised":
        if self._log is None:
            self._log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=self.own_session,
        )
        return self

    def wait_up(self) -> None:
        if self.health:
            wait_until_up(self.health, self.name, self.process, self.start_timeout, str(self.log_path))
        elif self.process is not None:
            time.sleep(0.5)  # no health URL: at least it did not exit at once
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")

    def terminate(self) -> None:
        """Asks the process to stop; `wait_stopped` waits (so several can stop at once)."""
        if self.running and self.process is not None:
            self.process.terminate()

    def wait_stopped(self, timeout: float = 30) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> None:
        self.terminate()
        self.wait_stopped(timeout)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.running and self.process is not None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def restart(self) -> None:
        self.stop()
        self.start()
        self.wait_up()

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
