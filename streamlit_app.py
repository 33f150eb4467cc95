"""Entry point of the web app: ``streamlit run streamlit_app.py``.

Three pages through ``st.navigation``: Điều phối / Dispatch, Vùng phục vụ / Coverage and
Dữ liệu / Data. Vietnamese first; the English toggle sits in the sidebar. Nothing is
reachable before the login gate (``app/auth.py``) lets an account in; on a new database it
prints a one-time setup link on this console to create the first admin.
"""

from __future__ import annotations

import streamlit as st

from app.i18n import language_toggle, t


def main() -> None:
    """Draw the app: the login gate, then the page chosen in the navigation."""
    from app import auth  # here, not at import: solver child processes import this file

    # No page_icon: a Material or emoji favicon is fetched from a CDN, and the app runs offline.
    st.set_page_config(page_title="postplan — Kon Tum", layout="wide")
    language_toggle()

    pages = [
        st.Page(
            "app/pages/dispatch.py",
            title=t("nav.dispatch"),
            icon=":material/local_shipping:",
            url_path="dispatch",
            default=True,
        ),
        st.Page(
            "app/pages/coverage.py",
            title=t("nav.coverage"),
            icon=":material/map:",
            url_path="coverage",
        ),
        st.Page(
            "app/pages/data.py", title=t("nav.data"), icon=":material/table_view:", url_path="data"
        ),
        st.Page(
            "app/pages/courier.py",
            title=t("nav.courier"),
            icon=":material/route:",
            url_path="courier",
        ),
        st.Page(
            "app/pages/reports.py",
            title=t("nav.reports"),
            icon=":material/bar_chart:",
            url_path="reports",
        ),
    ]
    # The pages are declared before the gate so that a link to /data still leads there after the
    # login; their menu stays hidden, and no page runs, until someone is logged in.
    page = st.navigation(pages, position="sidebar" if auth.has_session() else "hidden")
    account = auth.gate()  # stops here (setup or login form) until someone is logged in
    st.sidebar.caption(t("app.caption"))
    auth.sidebar(account)
    page.run()


# Streamlit runs this file as "__main__". The route solver's child processes (multiprocessing
# forkserver/spawn) import the parent's main module as "__mp_main__": then nothing runs.
if __name__ == "__main__":
    main()
