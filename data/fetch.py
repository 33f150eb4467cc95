"""Get the Kon Tum bundle onto a machine that lacks it: rebuild, download, verify.

For each bundle file that is missing or altered, :func:`fetch_plan` picks one way to obtain
exactly the recorded bytes:

``rebuild``
    regenerate it offline from an installed package (``commune_points_legacy.csv`` is the
    ``admin_units_legacy`` table of ``vietnamadminunits`` 1.0.4, written byte for byte);
``download``
    fetch it with pooch from its pinned upstream address (the WorldPop raster as kept at
    kraemer-lab/geoglue @3399c07) or from a mirror of the bundle (``--base-url`` /
    ``POSTPLAN_BUNDLE_URL``), refusing a download whose sha256 differs;
``cannot``
    the file was derived (clipped, joined) from its upstream and no mirror is given.

Nothing here runs in the tests except the offline rebuild.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from data.catalogue import DatasetEntry, dataset_path, verify_all
from data.errors import DataIntegrityError
from data.settings import Settings

#: Environment variable naming a mirror of the bundle (``<url>/<file>``) for ``data fetch``.
BUNDLE_URL_ENV = "POSTPLAN_BUNDLE_URL"


def rebuild_commune_points(settings: Settings) -> bytes:
    """Regenerate ``commune_points_legacy.csv`` from the installed vietnamadminunits package.

    Returns
    -------
    bytes
        The CSV exactly as bundled (the caller checks its sha256).
    """
    import pandas as pd

    db = dataset_path("vietnamadminunits", settings)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        table = pd.read_sql_query(
            "SELECT district, ward, wardCode, wardLat, wardLon, wardBounds "
            "FROM admin_units_legacy WHERE provinceKey = 'tinhkontum'",
            con,
        )
    return table.to_csv(index=False).encode("utf-8")


#: Bundle files that can be rebuilt offline, by catalogue name.
REBUILDERS: dict[str, Callable[[Settings], bytes]] = {
    "commune_points": rebuild_commune_points,
}


def fetch_plan(settings: Settings, *, base_url: str | None = None) -> list[dict[str, Any]]:
    """Say, for every catalogue entry, whether and how it must be obtained.

    Returns
    -------
    list of dict
        ``file``, ``status`` (current hash status), ``action`` (``"keep"``, ``"rebuild"``,
        ``"download"`` or ``"cannot"``), ``url`` and ``sha256``; ``reason`` when the file
        cannot be obtained.
    """
    plan = []
    for status in verify_all(settings):
        entry = status.entry
        item: dict[str, Any] = {"name": entry.name, "file": entry.file, "status": status.status,
                                "sha256": entry.sha256, "url": None, "action": "keep"}
        if not status.ok:
            url = _url_for(entry, base_url)
            if entry.location == "package":
                item["action"] = "cannot"
                item["reason"] = ("installed package file; fix: pip install --force-reinstall "
                                  "vietnamadminunits==1.0.4")
            elif entry.name in REBUILDERS:
                item["action"] = "rebuild"
                item["url"] = entry.upstream_url
            elif url is None:
                item["action"] = "cannot"
                item["reason"] = (
                    f"the bundle file was derived from {entry.upstream_url} (clipped or "
                    f"joined), so only a mirror of the bundle has these bytes; fix: pass "
                    f"--base-url or set {BUNDLE_URL_ENV}, or copy ../shared/data/kontum"
                )
            else:
                item["action"] = "download"
                item["url"] = url
        plan.append(item)
    return plan


def _url_for(entry: DatasetEntry, base_url: str | None) -> str | None:
    if base_url:
        return base_url.rstrip("/") + "/" + entry.file
    return entry.fetch_url


def _write_verified(data: bytes, target: Path, expected: str) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise DataIntegrityError(
            f"rebuilt {target.name} has sha256 {actual}, expected {expected}; fix: install "
            "vietnamadminunits==1.0.4 or copy the bundle from ../shared/data/kontum"
        )
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def fetch_bundle(settings: Settings, *, base_url: str | None = None) -> list[dict[str, Any]]:
    """Rebuild or download every missing or altered bundle file, verifying its sha256.

    Files go to ``settings.data_dir``. Downloads need internet; pooch refuses a file whose
    hash differs.

    Raises
    ------
    DataIntegrityError
        When a download fails or a file's hash does not match.
    """
    plan = fetch_plan(settings, base_url=base_url)
    target = Path(settings.data_dir)
    for item in plan:
        if item["action"] not in ("rebuild", "download"):
            continue
        target.mkdir(parents=True, exist_ok=True)
        if item["action"] == "rebuild":
            _write_verified(REBUILDERS[item["name"]](settings), target / item["file"],
                            item["sha256"])
            item["action"] = "rebuilt"
            continue
        import pooch

        try:
            pooch.retrieve(item["url"], known_hash=f"sha256:{item['sha256']}",
                           fname=item["file"], path=target, progressbar=False)
        except Exception as exc:  # network errors and pooch's hash ValueError
            raise DataIntegrityError(
                f"downloading {item['file']} from {item['url']} failed: {exc}; fix: check "
                "the connection or the mirror URL"
            ) from exc
        item["action"] = "downloaded"
    return plan
