"""Imported only by the solver's forkserver: run the parent's main script there, once.

Each PyVRP run is a child forked from a ``multiprocessing`` forkserver
(:mod:`routing.runner`). Before a child runs, ``multiprocessing`` re-runs the parent's main
script in it (as ``__mp_main__``) unless the forkserver already holds it. Asking the
forkserver to preload ``"__main__"`` does nothing before CPython 3.13.8 / 3.14: it looks
for a ``main_path`` key that ``spawn.get_preparation_data`` stopped providing in 2013
(python/cpython#98552, #126631, #137996). So every solve re-imported whatever the main
script imports — 0.7 s under ``dask worker``, 2–6 s under a script importing the network
stack — twice per planned day.

:func:`routing.runner._context` puts the parent's main (path or module name, as
``spawn.get_preparation_data`` gives it) in :data:`ENV_MAIN` before the forkserver starts
and lists this module in the preload; here the forkserver imports it once, exactly as the
fixed CPython does, so each child finds it and skips the re-run. Nothing else imports this
module. A main that fails to import here is left to the children, as before.
"""

from __future__ import annotations

import contextlib
import os
from multiprocessing import process, spawn

#: Environment variable carrying ``path:<main path>`` or ``name:<module>`` to the forkserver.
ENV_MAIN = "POSTPLAN_FORKSERVER_MAIN"


def _import_main(spec: str) -> None:
    kind, _, value = spec.partition(":")
    if not value:
        return
    process.current_process()._inheriting = True  # type: ignore[attr-defined]
    try:
        with contextlib.suppress(Exception):
            if kind == "path":
                spawn.import_main_path(value)
            elif kind == "name":
                spawn._fixup_main_from_name(value)  # type: ignore[attr-defined]
    finally:
        del process.current_process()._inheriting  # type: ignore[attr-defined]


_import_main(os.environ.get(ENV_MAIN, ""))
