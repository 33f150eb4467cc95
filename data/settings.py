"""One validated settings object, passed explicitly to whatever needs it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from data.errors import InputError

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Kon Tum's official projected CRS (VN-2000 / TM-3 107-30); all metric work happens in it.
METRIC_CRS = "EPSG:9216"
#: Geographic CRS of every bundled layer and of every export.
GEO_CRS = "EPSG:4326"


def _default_data_dir() -> Path:
    return (REPO_ROOT / ".." / "shared" / "data" / "kontum").resolve()


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "postplan"


def _default_user_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "postplan"


@dataclass(frozen=True)
class Settings:
    """Where data lives and which conventions apply.

    Parameters
    ----------
    data_dir
        Folder with the Kon Tum bundle (``POSTPLAN_DATA_DIR``; default
        ``../shared/data/kontum`` relative to the repository root).
    cache_dir
        Folder for derived, re-computable files such as built networks (``POSTPLAN_CACHE_DIR``).
    user_dir
        Folder for the user's own files, e.g. the SQLite database (``POSTPLAN_USER_DIR``).
    db_url
        SQLAlchemy URL of the plan store (``POSTPLAN_DB_URL``); default a SQLite file in
        ``user_dir``.
    metric_crs
        Projected CRS for distances and areas.
    retention_days
        Days after a plan's date that citizens' personal data is kept before
        ``postplan privacy purge`` replaces it with pseudonyms (``POSTPLAN_RETENTION_DAYS``;
        default 90).
    max_rows, max_job_rows, max_file_mb
        What one import may read (``POSTPLAN_MAX_ROWS``, default 100,000 rows;
        ``POSTPLAN_MAX_JOB_ROWS`` for a day's jobs file, default 20,000;
        ``POSTPLAN_MAX_FILE_MB``, default 20 MB): a bigger file is refused before it is
        read in full (``data.table_reader.ReadLimits``).
    max_memory_mb
        Memory a plan's matrices may take (``POSTPLAN_MAX_MEMORY_MB``; default None = 75 %
        of the machine's memory): the estimate is checked before any matrix is allocated
        (``geo.matrix.check_memory``).
    login_delays_s
        Seconds a login must wait after the 1st, 2nd, 3rd and 4th consecutive failure
        (``POSTPLAN_LOGIN_DELAYS_S``, e.g. ``1,2,4,8``, the default); the 5th failure locks
        the account. Tests set ``0,0,0,0``; a server should keep the default.
    """

    data_dir: Path = field(default_factory=_default_data_dir)
    cache_dir: Path = field(default_factory=_default_cache_dir)
    user_dir: Path = field(default_factory=_default_user_dir)
    db_url: str | None = None
    metric_crs: str = METRIC_CRS
    retention_days: int = 90
    max_rows: int = 100_000
    max_job_rows: int = 20_000
    max_file_mb: float = 20.0
    max_memory_mb: float | None = None
    login_delays_s: tuple[int, ...] = (1, 2, 4, 8)

    def __post_init__(self) -> None:
        problems = []
        for name in ("max_rows", "max_job_rows", "max_file_mb", "max_memory_mb"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                problems.append(f"{name} must be positive, got {value!r}; set "
                                f"POSTPLAN_{name.upper()} to a positive number or unset it.")
        for name in ("data_dir", "cache_dir", "user_dir"):
            value = getattr(self, name)
            if not isinstance(value, Path):
                object.__setattr__(self, name, Path(value))
        if not str(self.metric_crs).upper().startswith("EPSG:"):
            problems.append(
                f"metric_crs {self.metric_crs!r} is not an 'EPSG:<code>' string; "
                f"use {METRIC_CRS!r} (VN-2000 / TM-3 107-30) for Kon Tum."
            )
        if not isinstance(self.retention_days, int) or self.retention_days < 1:
            problems.append(
                f"retention_days {self.retention_days!r} must be a whole number of days ≥ 1 "
                f"(POSTPLAN_RETENTION_DAYS); the default is 90."
            )
        delays = self.login_delays_s
        if (not isinstance(delays, tuple) or len(delays) != 4
                or not all(isinstance(d, int) and d >= 0 for d in delays)):
            problems.append(
                f"login_delays_s {delays!r} must be four whole numbers of seconds ≥ 0 "
                f"(POSTPLAN_LOGIN_DELAYS_S, e.g. '1,2,4,8', the default).")
        if problems:
            raise InputError(problems[0], summary="Invalid settings")

    @property
    def database_url(self) -> str:
        """The plan store's URL (``db_url`` or a SQLite file in ``user_dir``)."""
        return self.db_url or f"sqlite:///{self.user_dir / 'postplan.sqlite'}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``POSTPLAN_*`` environment variables.

        Parameters
        ----------
        environ
            Mapping to read instead of ``os.environ`` (for tests).
        """
        env = os.environ if environ is None else environ
        settings = cls()
        updates: dict[str, object] = {}
        if env.get("POSTPLAN_DATA_DIR"):
            updates["data_dir"] = Path(env["POSTPLAN_DATA_DIR"]).expanduser().resolve()
        if env.get("POSTPLAN_CACHE_DIR"):
            updates["cache_dir"] = Path(env["POSTPLAN_CACHE_DIR"]).expanduser()
        if env.get("POSTPLAN_USER_DIR"):
            updates["user_dir"] = Path(env["POSTPLAN_USER_DIR"]).expanduser()
        if env.get("POSTPLAN_DB_URL"):
            updates["db_url"] = env["POSTPLAN_DB_URL"]
        if env.get("POSTPLAN_RETENTION_DAYS"):
            raw = env["POSTPLAN_RETENTION_DAYS"].strip()
            updates["retention_days"] = int(raw) if raw.isdigit() else raw
        for name, kind in (("max_rows", int), ("max_job_rows", int), ("max_file_mb", float),
                           ("max_memory_mb", float)):
            text = env.get(f"POSTPLAN_{name.upper()}")
            if text:
                try:
                    updates[name] = kind(text)
                except ValueError:
                    raise InputError(f"POSTPLAN_{name.upper()}={text!r} is not a number; set "
                                     "it to e.g. 20000 or unset it",
                                     summary="Invalid settings") from None
        if env.get("POSTPLAN_LOGIN_DELAYS_S"):
            parts = [p.strip() for p in env["POSTPLAN_LOGIN_DELAYS_S"].split(",")]
            updates["login_delays_s"] = tuple(int(p) if p.isdigit() else p for p in parts)
        return replace(settings, **updates)  # type: ignore[arg-type]
