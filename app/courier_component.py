"""The courier page's component: stop cards, taps and the offline queue, in the browser.

A Streamlit custom component (``st.components.v2``, no iframe) whose HTML is built by the
small script ``app/components/courier/courier.js`` with its style sheet ``courier.css``
(both in this repository, nothing from a CDN). Streamlit greys out and disables its own
widgets while its connection to the server is down; this component keeps working: a tap is
written to the browser's storage first and sent when the server can be reached (see the
script's header). :func:`mount` draws it; what the phone sends arrives as the trigger
``taps`` and is handled by the page's ``on_taps`` callback
(:func:`app.courier_view.process_taps`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import streamlit as st

from app.courier_view import COMPONENT_KEY

#: Where the component's script and style sheet live.
ASSETS = Path(__file__).resolve().parent / "components" / "courier"
#: The component's registered name (unique in the app).
NAME = "postplan_courier"


@lru_cache(maxsize=1)
def _component() -> Any:
    """Register the component once per process (its script and style read from ASSETS)."""
    return st.components.v2.component(
        NAME,
        html='<div class="pp-courier"></div>',
        css=(ASSETS / "courier.css").read_text(encoding="utf-8"),
        js=(ASSETS / "courier.js").read_text(encoding="utf-8"),
    )


def health_url() -> str:
    """Return the server's health check, under the app's base path (the component pings it)."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/_stcore/health" if base else "/_stcore/health"


def mount(data: Mapping[str, Any], *, on_taps: Callable[[], None]) -> Any:
    """Draw the component with ``data`` (:func:`app.courier_view.component_data`).

    ``on_taps`` runs (before the script) when the phone sends taps; it reads them from
    ``st.session_state[COMPONENT_KEY].taps``.
    """
    return _component()(key=COMPONENT_KEY, data=dict(data), on_taps_change=on_taps,
                        height="content")


__all__ = ["ASSETS", "NAME", "health_url", "mount"]
