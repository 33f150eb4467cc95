"""A throwaway PostgreSQL server for the storage tests and the load benchmark.

The Debian ``postgresql`` package provides ``/usr/lib/postgresql/<major>/bin/initdb``.
:func:`cluster` creates a fresh cluster in a new temporary folder, starts it listening
only on a unix socket in that folder (no TCP port), and stops and removes it when the
process exits. PostgreSQL refuses to run as root, so when we are root the cluster belongs
to the ``postgres`` system user (or ``nobody``) and its commands run through ``runuser``.

Used by ``tests/test_store*.py`` (the ``pg_url`` fixture) and ``benchmarks/load.py``.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path | None:
    """Return the newest PostgreSQL ``bin`` folder that has ``initdb``, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
            return user
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


@dataclass
class Cluster:
    """A running throwaway PostgreSQL cluster (superuser ``postgres``, trust auth)."""

    bindir: Path
    root: Path
    user: str | None
    port: int = 5432
    durable: bool = False

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def socketdir(self) -> Path:
        return self.root / "sock"

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", self.user, "--", *cmd] if self.user else cmd

    def start(self) -> None:
        self.socketdir.mkdir(parents=True, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.root, self.socketdir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        subprocess.run(
            self._cmd("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--locale=C", "--no-sync"),
            check=True, capture_output=True, text=True,
        )
        options = f"-k {self.socketdir} -c listen_addresses='' -p {self.port} " \
                  "-c max_connections=100"
        if not self.durable:  # tests: speed over crash safety of the throwaway cluster
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.datadir), "-l", str(self.root / "log.txt"),
                      "-o", options, "-w", "-t", "60", "start"),
            check=True, capture_output=True, text=True,
        )

    def stop(self) -> None:
        if self.datadir.exists():
            subprocess.run(self._cmd("pg_ctl", "-D", str(self.datadir), "-m", "immediate",
                                     "-w", "stop"), capture_output=True, text=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of ``database`` over the unix socket."""
        return (f"postgresql+psycopg://postgres@/{database}"
                f"?host={self.socketdir}&port={self.port}")

    def create_database(self, prefix: str = "t") -> str:
        """Create a fresh, empty database and return its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host=str(self.socketdir), port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


_LOCK = threading.Lock()
_CLUSTER: Cluster | None = None


def cluster(*, durable: bool = False) -> Cluster:
    """Start (once per process) and return the shared throwaway cluster.

    Parameters
    ----------
    durable
        Keep PostgreSQL's default fsync and synchronous commit (benchmarks); the tests
        turn them off for speed. Only the first call's value counts.

    Raises
    ------
    FileNotFoundError
        PostgreSQL is not installed (``apt-get install postgresql``).
    """
    global _CLUSTER
    with _LOCK:
        if _CLUSTER is None:
            bindir = find_bindir()
            if bindir is None:
                raise FileNotFoundError(
                    "PostgreSQL's initdb was not found; install Debian's 'postgresql' package "
                    "(scripts/test.sh does this when run as root)")
            # /tmp, not pytest's tmp_path: its parents are 0700 root, which the postgres user
            # could not traverse.
            root = Path(tempfile.mkdtemp(prefix="postplan-pg-"))
            os.chmod(root, 0o755)
            made = Cluster(bindir=bindir, root=root, user=_run_as(), durable=durable)
            try:
                made.start()
            except subprocess.CalledProcessError as exc:
                log = (root / "log.txt").read_text() if (root / "log.txt").exists() else ""
                made.stop()
                raise RuntimeError(f"could not start PostgreSQL: {exc.stderr}\n{log}") from exc
            atexit.register(made.stop)
            _CLUSTER = made
        return _CLUSTER
