"""Typed saves on top of ``Store.save``: plans, tables, and files read then saved.

:class:`TypedSaves` is mixed into :class:`data.store.Store`; it only calls ``self.save``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from data.store.jsondoc import to_json_text
from data.store.table_codec import table_to_json

if TYPE_CHECKING:
    import pandas as pd

    from data.access import Account
    from data.store.results import StoredObject


class TypedSaves:
    """Plans and tables saved through ``self.save`` (see :meth:`data.store.Store.save`)."""

    def save(self, kind: str, name: str, content: Any, *, actor: Account,
             expected_version: int | None = None, message: str = "",
             meta: Mapping[str, Any] | None = None,
             offices: Iterable[str] | None = None) -> StoredObject:
        """Save a document (implemented by :class:`data.store.Store`)."""
        raise NotImplementedError

    def save_plan(
        self,
        plan: Any,
        *,
        name: str,
        actor: Account,
        expected_version: int | None = None,
        input_hashes: Mapping[str, str] | None = None,
        solver_settings: Mapping[str, Any] | None = None,
        seed: int | None = None,
        message: str = "",
    ) -> StoredObject:
        """Save a plan (``routing.result.Plan``, its ``to_json()`` text, or a dict).

        The plan is stored as opaque JSON. Its input hashes, solver settings and seed go
        into ``meta``: taken from the arguments, else from the plan's top-level keys
        ``input_hashes`` / ``hashes``, ``solver_settings`` / ``settings`` and ``seed``
        when it has them (and ``plan_date``, ``network_kind``, ``provenance``, ``solver``,
        ``seconds`` when they are plain values).

        Parameters
        ----------
        plan
            The plan.
        name, actor, expected_version, message
            As in :meth:`data.store.Store.save`.
        input_hashes
            sha256 of each input (jobs, offices, network…), by input name.
        solver_settings
            Solver time limit, objective weights, etc.
        seed
            Random seed of the solve.
        """
        text_, parsed = to_json_text(plan)
        top = parsed if isinstance(parsed, dict) else {}
        meta: dict[str, Any] = {
            "input_hashes": dict(input_hashes) if input_hashes is not None
            else top.get("input_hashes", top.get("hashes")),
            "solver_settings": dict(solver_settings) if solver_settings is not None
            else top.get("solver_settings", top.get("settings")),
            "seed": seed if seed is not None else top.get("seed"),
        }
        for key in ("plan_date", "network_kind", "provenance", "solver", "seconds"):
            if key in top and isinstance(top[key], (str, int, float, bool, type(None))):
                meta[key] = top[key]
        meta = {k: v for k, v in meta.items() if v is not None}
        return self.save("plan", name, text_, actor=actor,
                         expected_version=expected_version, message=message, meta=meta)

    def save_table(
        self,
        kind: str,
        name: str,
        frame: pd.DataFrame,
        *,
        actor: Account,
        expected_version: int | None = None,
        message: str = "",
        meta: Mapping[str, Any] | None = None,
        offices: Iterable[str] | None = None,
    ) -> StoredObject:
        """Save a table (an office registry, job list, closure set, speed table…).

        A GeoDataFrame keeps its CRS and geometry (as WKT); column types survive the round
        trip through :func:`table_from_stored`.

        Parameters
        ----------
        kind
            One of :data:`KINDS`, e.g. ``"office_registry"``.
        name, actor, expected_version, message, meta
            As in :meth:`data.store.Store.save`.
        frame
            The table.
        """
        return self.save(kind, name, table_to_json(frame), actor=actor,
                         expected_version=expected_version, message=message,
                         meta={"rows": len(frame), **(dict(meta) if meta else {})},
                         offices=offices)

    def import_and_save(
        self,
        kind: str,
        name: str,
        read: Callable[[], pd.DataFrame],
        *,
        actor: Account,
        expected_version: int | None = None,
        message: str = "",
        offices: Iterable[str] | None = None,
    ) -> StoredObject:
        """Read a user's file with ``read`` and save the table only if it was accepted.

        Parameters
        ----------
        kind, name, actor, expected_version, message
            As in :meth:`save_table`.
        read
            A no-argument function returning the table, e.g.
            ``lambda: read_offices(data, settings=settings, filename="offices.xlsx")``;
            it raises :class:`InputError` for a rejected file, and then nothing is saved.
        """
        frame = read()
        return self.save_table(kind, name, frame, actor=actor,
                               expected_version=expected_version, message=message,
                               offices=offices)
