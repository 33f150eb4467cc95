"""Entry point of the web app: ``streamlit run streamlit_app.py``.

Nothing is reachable before the login gate (``app/auth.py``) lets an account in; on a new
database it prints a one-time setup link on this console to create the first admin. The
menu is built from the logged-in account's role (``app/navigation.py``, the rules in
``data.access.PAGE_RULES``): Điều phối / Dispatch, Vùng phục vụ / Coverage, Dữ liệu / Data,
the courier's own route, reports, and the admin page. Vietnamese first; the English toggle
sits in the sidebar.

``streamlit run`` finds ``app`` below (an ``st.App``) and serves the script through it, with
the two small routes that keep the login in an HttpOnly cookie (``app/session_cookie.py``),
so a reload stays logged in, and a start-up hook that prints the one-time setup link at once
on a database without any account. The first run of the first session starts reading the
default road network (``app.network.preload``), so that a first plan soon after the login
does not wait for it.
"""

from __future__ import annotations

import streamlit as st

from app.i18n import language_toggle, t


def main() -> None:
    """Draw the app: who is logged in, their menu, the login gate, then the chosen page."""
    from app import auth, navigation  # here, not at import: solver child processes import this
    from app.network import preload  # not in the start-up hook: its components 404 there

    # No page_icon: a Material or emoji favicon is fetched from a CDN, and the app runs offline.
    st.set_page_config(page_title="postplan — Kon Tum", layout="wide")
    preload()  # once per server: the road network is read while the first user logs in
    language_toggle()
    account, notice = auth.resolve()
    # Before a login every page is declared (menu hidden), so a link to /data still leads
    # there afterwards; no page runs until someone is logged in.
    page = navigation.build(account)
    account = auth.gate(account, notice)  # stops here (setup or login form) until logged in
    st.sidebar.caption(t("app.caption"))
    auth.sidebar(account)
    page.run()


# `streamlit run streamlit_app.py` imports this file as the module "streamlit_app" to serve
# `app`; each browser session then runs it as "__main__". The route solver's child processes
# import it as "__mp_main__": then nothing runs.
if __name__ == "streamlit_app":
    import contextlib
    from collections.abc import AsyncIterator
    from typing import Any

    from app.session_cookie import routes

    @contextlib.asynccontextmanager
    async def _started(_app: Any) -> AsyncIterator[None]:
        from app.auth import announce_setup  # once Streamlit's runtime runs (its caches)

        announce_setup()
        yield None

    app = st.App("streamlit_app.py", routes=routes(), lifespan=_started)
elif __name__ == "__main__":
    main()
