"""The courier roster in the plan store: saved per post office set, read back merged.

A roster (:mod:`data.roster`) is saved as a table of store kind ``roster``; it belongs to
the post offices its couriers start from (a dispatcher saves and reads only their offices'
couriers, :mod:`data.access`). :func:`stored_roster` merges every roster the account may
open (the latest version of each; a courier listed twice keeps the most recently saved
row) and checks it again with the one reader's schema, so the Dispatch page and the
command line start from the same couriers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd

from data.roster import ROSTER_COLUMNS, roster_from_frame

if TYPE_CHECKING:
    from data.access import Account
    from data.store import Store, StoredObject

#: Store kind of a roster.
ROSTER_KIND = "roster"


def roster_name(offices: Iterable[str]) -> str:
    """Return the stored name of the roster of ``offices`` (``roster BC-A+BC-B``)."""
    return "roster " + "+".join(sorted({str(o) for o in offices}))


def save_roster(store: Store, roster: pd.DataFrame, *, actor: Account,
                message: str = "") -> StoredObject:
    """Save a checked roster as a new version of its offices' roster (or a new one).

    Raises
    ------
    AccessDenied
        The account may not write the roster of these offices.
    InputError
        The roster is empty.
    """
    from data.errors import InputError

    if roster.empty:
        raise InputError("Danh sách bưu tá trống; thêm ít nhất một bưu tá. / The roster is "
                         "empty; add at least one courier.")
    offices = sorted({str(o) for o in roster["office_id"]})
    name = roster_name(offices)
    existing = store.find(ROSTER_KIND, name, actor=actor)
    table = pd.DataFrame(roster)[list(ROSTER_COLUMNS)].astype(object)
    return store.save_table(ROSTER_KIND, name, table.where(table.notna(), None), actor=actor,
                            expected_version=existing.version if existing else None,
                            message=message, offices=offices)


def stored_roster(store: Store, *, actor: Account,
                  office_ids: Iterable[str] | None = None) -> pd.DataFrame | None:
    """Return every stored roster ``actor`` may open, merged and checked; None if none.

    Parameters
    ----------
    store
        The store.
    actor
        The acting account.
    office_ids
        The registry's office ids (the roster's ``office_id`` is checked against them).
    """
    from data.store import table_from_stored

    infos = store.list_objects(ROSTER_KIND, actor=actor)
    if not infos:
        return None
    frames = [pd.DataFrame(table_from_stored(store.get(i.id, actor=actor)))
              for i in reversed(infos)]  # oldest first: the newest row of a courier wins
    merged = pd.concat(frames, ignore_index=True).drop_duplicates("courier_id", keep="last")
    return roster_from_frame(merged.reset_index(drop=True).fillna("").astype(str),
                             office_ids=office_ids, source="roster")


__all__ = ["ROSTER_KIND", "roster_name", "save_roster", "stored_roster"]
