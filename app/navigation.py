"""The app's menu, built from the logged-in account's role.

Which pages a role sees is :data:`data.access.PAGE_RULES` (one rule, one place); this module
only says where each page lives, what it is called and which one opens first. The store
refuses what a role may not read or write all the same, so a page reached some other way
(an old link, a tampered session) shows the refusal, never the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from app.i18n import N_, t
from data.access import PAGE_RULES, pages_for

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    """Where one page of :data:`data.access.PAGE_RULES` lives and how the menu shows it.

    Parameters
    ----------
    files
        Script paths relative to the repository, the first that exists is used.
    title_key
        :func:`app.i18n.t` key of its menu title.
    icon
        Material icon.
    url_path
        Its address (``/dispatch``).
    """

    files: tuple[str, ...]
    title_key: str
    icon: str
    url_path: str

    @property
    def file(self) -> str:
        """The first of :attr:`files` that exists (the last one otherwise)."""
        return next((f for f in self.files if (ROOT / f).exists()), self.files[-1])


#: Every page, in menu order; keys are those of ``data.access.PAGE_RULES``.
PAGES: dict[str, PageSpec] = {
    "dispatch": PageSpec(("app/pages/dispatch.py",), N_("nav.dispatch"),
                         ":material/local_shipping:", "dispatch"),
    "coverage": PageSpec(("app/pages/coverage.py",), N_("nav.coverage"), ":material/map:",
                         "coverage"),
    "data": PageSpec(("app/pages/data.py",), N_("nav.data"), ":material/table_view:", "data"),
    "courier": PageSpec(("app/pages/courier.py",), N_("nav.courier"),
                        ":material/route:", "courier"),
    "reports": PageSpec(("app/pages/reports.py",), N_("nav.reports"),
                        ":material/bar_chart:", "reports"),
    "admin": PageSpec(("app/pages/admin.py",), N_("nav.admin"),
                      ":material/admin_panel_settings:", "admin"),
}
assert set(PAGES) == set(PAGE_RULES), "every page of data.access.PAGE_RULES has a place"

#: The page each role opens first (the first of these that its menu holds).
FIRST_PAGE = ("dispatch", "coverage", "courier", "reports", "data", "admin")


def page_names(account: Any | None) -> tuple[str, ...]:
    """Return the pages ``account``'s menu holds, in menu order (all of them for nobody).

    Before anyone is logged in every page is declared (hidden), so a link to ``/admin``
    still leads there once an admin has logged in.
    """
    allowed = set(PAGES) if account is None else set(pages_for(account))
    return tuple(name for name in PAGES if name in allowed)


def first_page(names: Sequence[str]) -> str | None:
    """Return the page that opens first among ``names`` (:data:`FIRST_PAGE`)."""
    return next((name for name in FIRST_PAGE if name in names), None)


def build(account: Any | None) -> Any:
    """Declare ``account``'s pages with ``st.navigation`` and return the page to run.

    Nobody logged in: every page, menu hidden (the login gate runs next and stops). The
    root address is a hidden start page that moves on to the role's first page, so every
    page keeps its own address (Streamlit serves its default page at ``/`` only, and a link
    such as ``/dispatch?plan=12`` must reach Dispatch).
    """
    names = page_names(account)
    pages = {
        name: st.Page(PAGES[name].file, title=t(PAGES[name].title_key), icon=PAGES[name].icon,
                      url_path=PAGES[name].url_path)
        for name in names
    }
    first = pages.get(first_page(names) or "")

    def start() -> None:
        if first is not None:
            st.switch_page(first)

    home = st.Page(start, title=t(PAGES[first_page(names) or "dispatch"].title_key),
                   url_path="start", default=True, visibility="hidden")
    return st.navigation([home, *pages.values()],
                         position="sidebar" if account is not None else "hidden")
