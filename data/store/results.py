"""Frozen results the plan store returns: objects, versions, comparisons, database facts.

No database code here: these are plain values, safe to pass to the app and the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ObjectInfo:
    """A stored object's identity and latest version, without its content.

    Parameters
    ----------
    id
        Database id (stable; used by ``postplan plans show ID``).
    kind, name
        What it is and its name (unique within the kind).
    version
        Latest version number (1, 2, …).
    content_hash
        Canonical sha256 of the latest version's JSON.
    created_at, created_by
        When and by whom version 1 was saved.
    updated_at, updated_by
        When and by whom (account username) the latest version was saved.
    offices
        Post offices the object belongs to (plans, edits, job lists); empty for others.
    """

    id: int
    kind: str
    name: str
    version: int
    content_hash: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    offices: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line: id, kind, name, version, last author and time."""
        return (
            f"#{self.id} {self.kind} {self.name!r} v{self.version} "
            f"(saved by {self.updated_by} at {self.updated_at:%Y-%m-%d %H:%M:%S} UTC)"
        )


@dataclass(frozen=True)
class VersionInfo:
    """One version of a stored object, without its content.

    Parameters
    ----------
    object_id, version
        Which object and which of its versions.
    content_hash
        Canonical sha256 of this version's JSON.
    size_bytes
        Length of the stored JSON text in UTF-8 bytes.
    author, created_at, message
        Who saved it, when (UTC) and why.
    restored_from
        The version this one copies, when made by :meth:`Store.restore`; else None.
    meta
        Key facts saved with it (a plan's ``input_hashes``, ``solver_settings``, ``seed``…).
    """

    object_id: int
    version: int
    content_hash: str
    size_bytes: int
    author: str
    created_at: datetime
    message: str
    restored_from: int | None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line describing this version."""
        restored = f", restores v{self.restored_from}" if self.restored_from else ""
        msg = f" — {self.message}" if self.message else ""
        return (
            f"v{self.version} by {self.author} at {self.created_at:%Y-%m-%d %H:%M:%S} UTC "
            f"({self.size_bytes} bytes{restored}){msg}"
        )


@dataclass(frozen=True)
class StoredObject:
    """One version of a stored object with its content.

    Parameters
    ----------
    info
        The object's identity and latest version.
    version_info
        The version this content belongs to.
    content
        The JSON text exactly as it was saved.
    """

    info: ObjectInfo
    version_info: VersionInfo
    content: str

    @property
    def id(self) -> int:
        """Database id of the object."""
        return self.info.id

    @property
    def kind(self) -> str:
        """Kind of the object."""
        return self.info.kind

    @property
    def name(self) -> str:
        """Name of the object."""
        return self.info.name

    @property
    def version(self) -> int:
        """Version number of this content (may be older than ``info.version``)."""
        return self.version_info.version

    @property
    def is_latest(self) -> bool:
        """Whether this is the latest version."""
        return self.version_info.version == self.info.version

    @property
    def meta(self) -> Mapping[str, Any]:
        """Key facts saved with this version."""
        return self.version_info.meta

    def data(self) -> Any:
        """Parse the content from JSON (a new object each call)."""
        return json.loads(self.content)

    def summary(self) -> str:
        """One line: object and version."""
        latest = "" if self.is_latest else f" (latest v{self.info.version})"
        return f"#{self.id} {self.kind} {self.name!r} {self.version_info.summary()}{latest}"


@dataclass(frozen=True)
class Change:
    """One difference between two JSON documents.

    Parameters
    ----------
    path
        Where, as a JSON-pointer-like path (``/routes/0/stops/3/arrival_s``).
    change
        ``"added"``, ``"removed"`` or ``"changed"``.
    old, new
        The values on each side (None when absent).
    """

    path: str
    change: str
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class Comparison:
    """What differs between two stored versions.

    Parameters
    ----------
    a, b
        The two versions compared.
    changes
        Differences, in document order (at most ``limit`` of them).
    truncated
        True when more differences exist than were listed.
    """

    a: VersionInfo
    b: VersionInfo
    changes: tuple[Change, ...]
    truncated: bool

    @property
    def identical(self) -> bool:
        """Whether the two documents are equal as JSON."""
        return self.a.content_hash == self.b.content_hash

    def summary(self) -> str:
        """One line: how many differences."""
        if self.identical:
            return f"#{self.a.object_id} v{self.a.version} and #{self.b.object_id} " \
                   f"v{self.b.version} are identical"
        more = "+" if self.truncated else ""
        return (
            f"#{self.a.object_id} v{self.a.version} → #{self.b.object_id} v{self.b.version}: "
            f"{len(self.changes)}{more} differences"
        )


@dataclass(frozen=True)
class StoreInfo:
    """Which database a store is using.

    Parameters
    ----------
    url
        The URL with any password hidden.
    dialect
        ``sqlite`` or ``postgresql``.
    revision
        The Alembic revision of the schema.
    postgis
        Whether the PostGIS extension is installed (PostgreSQL only).
    objects
        Number of stored objects.
    read_only
        Whether the store refuses every write (damaged database, read-only file or server).
    read_only_reason
        Why, and what to do (Vietnamese / English); None when writable.
    """

    url: str
    dialect: str
    revision: str | None
    postgis: bool
    objects: int
    read_only: bool = False
    read_only_reason: str | None = None

    def summary(self) -> str:
        """One line describing the database."""
        gis = ", PostGIS present" if self.postgis else ""
        ro = ", READ-ONLY" if self.read_only else ""
        return f"{self.dialect} store at {self.url} (schema {self.revision}{gis}{ro}): " \
               f"{self.objects} objects"


@dataclass(frozen=True)
class CheckReport:
    """What ``postplan db check`` found.

    Parameters
    ----------
    url
        The database, password hidden.
    dialect
        ``sqlite`` or ``postgresql``.
    revision, head
        The schema revision found and the newest this postplan knows.
    objects, versions
        How many stored objects and versions were read.
    problems
        Every problem found (Vietnamese / English, each saying what to do); empty when
        the database is healthy.
    read_only_reason
        Why the store opened read-only, or None.
    """

    url: str
    dialect: str
    revision: str | None
    head: str
    objects: int
    versions: int
    problems: tuple[str, ...]
    read_only_reason: str | None = None

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems

    def summary(self) -> str:
        """One line: healthy, or how many problems."""
        state = "healthy" if self.ok else f"{len(self.problems)} problem(s)"
        return (f"{self.dialect} store at {self.url} (schema {self.revision}, code {self.head}): "
                f"{self.objects} objects, {self.versions} versions — {state}")


@dataclass(frozen=True)
class BackupResult:
    """A backup written by ``postplan db backup`` (or the safety copy before a restore).

    Parameters
    ----------
    path
        The backup file.
    dialect
        ``sqlite`` (a SQLite database file) or ``postgresql`` (a ``pg_dump`` custom archive).
    size_bytes
        Size of the file.
    sha256
        Its sha256, to compare copies.
    created_at
        When it was written (UTC).
    """

    path: str
    dialect: str
    size_bytes: int
    sha256: str
    created_at: datetime

    def summary(self) -> str:
        """One line naming the file."""
        return f"{self.dialect} backup {self.path} ({self.size_bytes} bytes, sha256 " \
               f"{self.sha256[:12]}…)"


@dataclass(frozen=True)
class RestoreResult:
    """What ``postplan db restore`` did.

    Parameters
    ----------
    source
        The backup that was restored.
    safety_copy
        Where the database as it was before the restore was kept (None when there was
        no database yet).
    revision
        Schema revision after the restore (upgraded when the backup was older).
    objects
        Stored objects after the restore.
    """

    source: str
    safety_copy: str | None
    revision: str | None
    objects: int

    def summary(self) -> str:
        """One line: what was restored and where the old database went."""
        kept = f"; the previous database was kept in {self.safety_copy}" \
            if self.safety_copy else ""
        return f"restored {self.source} (schema {self.revision}, {self.objects} objects){kept}"


@dataclass(frozen=True)
class PlanFigures:
    """Aggregate figures of one stored plan — no stop, address or name (what viewers see).

    Parameters
    ----------
    id, name, version
        The stored plan.
    plan_date
        The day planned (ISO), when the plan says.
    offices
        Post offices the plan belongs to.
    jobs_assigned, jobs_unassigned
        Jobs served, and left out.
    couriers_used
        Routes that serve at least one job.
    length_km, travel_time_h, duration_h
        Totals over every route.
    stops_with_window, stops_on_time
        Job stops that have a time window, and those whose service starts inside it.
    network_kind, provenance
        ``proxy`` / ``osm`` …; ``user`` / ``simulated`` (estimates and simulations say so).
    """

    id: int
    name: str
    version: int
    plan_date: str | None
    offices: tuple[str, ...]
    jobs_assigned: int
    jobs_unassigned: int
    couriers_used: int
    length_km: float
    travel_time_h: float
    duration_h: float
    stops_with_window: int
    stops_on_time: int
    network_kind: str | None
    provenance: str | None

    @property
    def on_time_share(self) -> float | None:
        """Share of windowed job stops served on time (None when no stop has a window)."""
        return self.stops_on_time / self.stops_with_window if self.stops_with_window else None

    def summary(self) -> str:
        """One line of figures."""
        share = "—" if self.on_time_share is None else f"{self.on_time_share:.0%}"
        return (f"#{self.id} {self.name!r} v{self.version} {self.plan_date or ''}: "
                f"{self.jobs_assigned} jobs ({self.jobs_unassigned} unassigned), "
                f"{self.couriers_used} couriers, {self.length_km:.1f} km, on time {share}")


@dataclass(frozen=True)
class CourierRoute:
    """A courier's own route of the day, as the courier may see it.

    Parameters
    ----------
    plan_id, plan_name, version
        The stored plan it comes from.
    plan_date
        The day.
    courier_id
        Whose route.
    route
        The route as the plan stores it (stops with times and addresses, geometry).
    network_kind, provenance
        Estimates and simulations say so.
    """

    plan_id: int
    plan_name: str
    version: int
    plan_date: str | None
    courier_id: str
    route: Mapping[str, Any]
    network_kind: str | None = None
    provenance: str | None = None
