"""A PostgreSQL server of our own, from the distribution's binaries, for the production
profile (two Rasa processes and two action servers share it) and for tests.

PostgreSQL refuses to run as root, so as root every server command runs as the `postgres`
system user (Debian's postgresql package creates it) and the directories are handed to it.
The server listens on 127.0.0.1 only; TCP logins need the password (scram-sha-256). The
superuser logs in only over the Unix socket, in a directory only the server's user can
enter (peer authentication).
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence
from urllib.parse import quote

PG_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"
MAX_SOCKET_PATH = 100  # the kernel allows 107 bytes for a Unix socket path, PostgreSQL a little less
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
TIMEOUT_SECONDS = 60
STOP_SIGNALS = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}
CONFIG_FILE = "vejviser.conf"  # ours, included from postgresql.conf and rewritten at every start


def find_bin_dir() -> Path:
    """The newest installed server's binaries (/usr/lib/postgresql/<version>/bin), else initdb on PATH."""
    found = []
    for directory in PG_ROOT.glob("*/bin"):
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            try:
                found.append((tuple(int(part) for part in directory.parent.name.split(".")), directory))
            except ValueError:
                continue
    if found:
        return max(found)[1]
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    raise RuntimeError(f"no PostgreSQL server binaries in {PG_ROOT}/*/bin: apt-get install postgresql")


def _quoted(value: str) -> str:
    """A single-quoted literal for SQL and postgresql.conf."""
    return "'" + value.replace("'", "''") + "'"


def _first_blocking_dir(path: Path, uid: int, gids: Sequence[int]) -> Optional[Path]:
    """The outermost directory on the way to `path` that the user cannot enter (permission bits)."""
    for directory in reversed([path, *path.parents]):
        info = directory.stat()
        if info.st_uid == uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid in gids:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return directory
    return None


class LocalPostgres:
    """One cluster in `data_dir` on 127.0.0.1:`port`, with the login role `user`.

    `durable=False` turns off fsync and friends: only for throw-away clusters (tests), as a
    crash can then corrupt the data."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        password: str,
        user: str = "vejviser",
        log_file: Path | None = None,
        durable: bool = True,
    ) -> None:
        if not NAME.match(user):
            raise ValueError("the PostgreSQL user must be lower-case letters, digits and _")
        if not password:
            raise ValueError("the PostgreSQL user needs a password (TCP logins check it)")
        self.data_dir = Path(data_dir).absolute()
        self.port = int(port)
        self.password = password
        self.user = user
        self.log_file = Path(log_file).absolute() if log_file else self.data_dir.parent / f"{self.data_dir.name}.log"
        self.durable = durable
        self.socket_dir = self._choose_socket_dir()
        self._as_server_user = os.geteuid() == 0
        self._bin: Optional[Path] = None

    def __repr__(self) -> str:
        return f"LocalPostgres(data_dir={str(self.data_dir)!r}, port={self.port}, user={self.user!r})"

    # --- public ------------------------------------------------------------
    def start(self) -> None:
        """Creates the cluster the first time, starts it unless it runs, and makes sure the
        login role has the password."""
        self._prepare_directories()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                [
                    self._tool("initdb"),
                    "-D",
                    str(self.data_dir),
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--auth-local=peer",
                    "--auth-host=scram-sha-256",
                ]
            )
        self._write_config()
        if self.pid is None:
            self._pg_ctl("start", "-l", str(self.log_file))
        self._psql(
            "DO $vejviser$ BEGIN\n"
            f"  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_quoted(self.user)}) THEN\n"
            f'    CREATE ROLE "{self.user}" LOGIN;\n'
            "  END IF;\n"
            "END $vejviser$;\n"
            f'ALTER ROLE "{self.user}" WITH LOGIN NOSUPERUSER PASSWORD {_quoted(self.password)};\n'
        )

    def create_database(self, name: str) -> str:
        """Creates the database owned by the login role unless it exists; returns its URL."""
        if not NAME.match(name):
            raise ValueError("database names must be lower-case letters, digits and _")
        script = (
            f"SELECT format('CREATE DATABASE %I OWNER %I', {_quoted(name)}, {_quoted(self.user)})"
            f" WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = {_quoted(name)})\\gexec\n"
        )
        try:
            self._psql(script)
        except RuntimeError:
            # Another process created it between our check and our CREATE: fine.
            if not self._psql(f"SELECT 1 FROM pg_database WHERE datname = {_quoted(name)}").strip():
                raise
        return self.url(name)

    def url(self, name: str) -> str:
        """The SQLAlchemy URL of database `name` for the login role, over TCP."""
        return self.url_for(self.password, self.port, name, self.user)

    @staticmethod
    def url_for(password: str, port: int, name: str, user: str = "vejviser") -> str:
        """The same URL without a server object (e.g. for a command beside a running profile)."""
        return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{int(port)}/{name}"

    def stop(self, mode: str = "fast") -> None:
        """Stops the server (mode: smart, fast or immediate) and waits; nothing when it is not running."""
        pid = self.pid
        if pid is None:
            return
        try:
            self._pg_ctl("stop", "-m", mode)
        except RuntimeError:
            # pg_ctl could not reach the data directory (a parent's permissions changed while the
            # server ran): the postmaster takes the same request as a signal.
            os.kill(pid, STOP_SIGNALS[mode])
            deadline = time.monotonic() + TIMEOUT_SECONDS
            while self.pid is not None:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def restart(self) -> None:
        """Stops (fast) and starts the server again, as a database failover or update would."""
        self._prepare_directories()
        self._write_config()
        self._pg_ctl("restart", "-m", "fast", "-l", str(self.log_file))

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while it runs (from postmaster.pid), else None."""
        try:
            first = (self.data_dir / "postmaster.pid").read_text(encoding="ascii").splitlines()[0]
            pid = int(first)
            os.kill(pid, 0)
        except (FileNotFoundError, IndexError, ValueError, ProcessLookupError):
            return None
        except PermissionError:  # alive, owned by another user
            return pid
        return pid

    # --- helpers -------------------------------------------------------------
    def _choose_socket_dir(self) -> Path:
        preferred = self.data_dir.parent / "run"
        if len(str(preferred / f".s.PGSQL.{self.port}.lock")) < MAX_SOCKET_PATH:
            return preferred
        # A deep data directory (pytest's temporary folders): a short fixed name per cluster.
        digest = hashlib.sha1(str(self.data_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"vejviser-pg-{digest}"

    def _bin_dir(self) -> Path:
        if self._bin is None:
            self._bin = find_bin_dir()
        return self._bin

    def _tool(self, name: str) -> str:
        return str(self._bin_dir() / name)

    def _server_account(self) -> pwd.struct_passwd:
        try:
            return pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise RuntimeError(
                f"running as root, PostgreSQL needs the {SERVER_USER!r} system user: apt-get install postgresql"
            ) from None

    def _hand_over(self, path: Path, mode: int) -> None:
        """Gives a directory or file we created to the server's user (as root)."""
        if self._as_server_user:
            account = self._server_account()
            os.chown(path, account.pw_uid, account.pw_gid)
        os.chmod(path, mode)

    def _check_reachable(self, directory: Path) -> None:
        """Fails with a clear message when the server's user cannot enter `directory`."""
        if not self._as_server_user:
            return
        test = subprocess.run([self._runuser(), "-u", SERVER_USER, "--", "test", "-x", str(directory)], cwd="/")
        if test.returncode == 0:
            return
        account = self._server_account()
        gids = [account.pw_gid] + [group.gr_gid for group in grp.getgrall() if SERVER_USER in group.gr_mem]
        blocking = _first_blocking_dir(directory, account.pw_uid, gids) or directory
        raise RuntimeError(
            f"PostgreSQL runs as the {SERVER_USER!r} user, which cannot reach {directory}: "
            f"{blocking} is not traversable for it (chmod o+x {blocking}, or use a directory elsewhere)"
        )

    def _prepare_directories(self) -> None:
        if self._as_server_user:
            self._server_account()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._check_reachable(self.data_dir.parent)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self._hand_over(self.data_dir, 0o700)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self._check_reachable(self.socket_dir.parent)
        self._hand_over(self.socket_dir, 0o700)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._check_reachable(self.log_file.parent)
        self.log_file.touch(exist_ok=True)
        self._hand_over(self.log_file, 0o640)

    def _write_config(self) -> None:
        flag = "on" if self.durable else "off"
        settings = {
            "listen_addresses": _quoted("127.0.0.1"),
            "port": str(self.port),
            "unix_socket_directories": _quoted(str(self.socket_dir)),
            "unix_socket_permissions": "0700",
            "max_connections": "200",
            "shared_buffers": "128MB",
            "password_encryption": _quoted("scram-sha-256"),
            "fsync": flag,
            "synchronous_commit": flag,
            "full_page_writes": flag,
        }
        self._write_file(
            self.data_dir / CONFIG_FILE,
            "# Written by bot/launch/production/postgres.py at every start; edits are lost.\n"
            + "".join(f"{key} = {value}\n" for key, value in settings.items()),
        )
        # No trust anywhere: the superuser over the socket as the same OS user, everyone else by password.
        self._write_file(
            self.data_dir / "pg_hba.conf",
            "# Written by bot/launch/production/postgres.py at every start; edits are lost.\n"
            "local   all   all                  peer\n"
            "host    all   all   127.0.0.1/32   scram-sha-256\n",
        )
        main = self.data_dir / "postgresql.conf"
        include = f"include = {_quoted(CONFIG_FILE)}\n"
        if include not in main.read_text(encoding="utf-8"):
            with main.open("a", encoding="utf-8") as conf:
                conf.write("\n# Vejviser's settings (last, so they win)\n" + include)

    def _write_file(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        self._hand_over(path, 0o600)

    def _runuser(self) -> str:
        return shutil.which("runuser") or "/usr/sbin/runuser"

    def _command(self, args: List[str]) -> List[str]:
        return [self._runuser(), "-u", SERVER_USER, "--", *args] if self._as_server_user else args

    def _run(self, args: List[str], script: Optional[str] = None) -> str:
        # PG* variables of the caller (PGHOST, PGUSER, PGPASSWORD…) must not redirect our commands.
        env: Dict[str, str] = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        done = subprocess.run(
            self._command(args), input=script, capture_output=True, text=True, cwd="/", env=env, timeout=TIMEOUT_SECONDS * 2
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{Path(args[0]).name} {args[1] if len(args) > 1 else ''} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-2000:]}{self._log_tail()}"
            )
        return done.stdout

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._run([self._tool("pg_ctl"), action, "-D", str(self.data_dir), "-w", "-t", str(TIMEOUT_SECONDS), *options])

    def _psql(self, script: str, database: str = "postgres") -> str:
        """Runs SQL as the superuser over the Unix socket; returns the unaligned output."""
        args = [self._tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir)]
        return self._run([*args, "-p", str(self.port), "-d", database, "-f", "-"], script)

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        except OSError:
            return ""
        return ("\n--- " + str(self.log_file) + " ---\n" + "\n".join(lines)) if lines else ""
