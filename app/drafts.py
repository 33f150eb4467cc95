"""Drafts of the pages: the work in progress kept on the server as it happens.

Each page calls :func:`restore` once before its widgets (the account's draft comes back
after a reload or a new login, once per session) and :func:`keep` after each change (the
draft is written only when it changed: :mod:`data.drafts` compares hashes, and this module
remembers the last hash in the session). :func:`banner` says a draft was restored and
offers *Bỏ bản nháp / Discard draft*.

What each page keeps (:data:`SPECS`), as plain JSON:

``dispatch``
    the day's jobs and where they came from, the plan and the solver's plan before edits,
    the day's problem, the edit report, the plan's context and saved reference, and the
    settings (date, offices, profile, budgets, simulation size and seed, jobs source);
``data``
    the office registry, speed table, closures and roster being edited (tables);
``coverage``
    the coverage settings and candidate sites (the coverage scenario document).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app import state as ss
from data.errors import PostplanError

Encode = Callable[[Any], Any]
Decode = Callable[[Any], Any]


@dataclass(frozen=True)
class Codec:
    """How one session value becomes JSON and back.

    ``frozen``: the value never changes once made (a frozen dataclass such as a
    :class:`~routing.result.Plan`), so its JSON is computed once per object in a session
    (:func:`content_of`), not on every run of the page.
    """

    encode: Encode
    decode: Decode
    frozen: bool = False


def _plain() -> Codec:
    return Codec(lambda v: v, lambda v: v)


def _date() -> Codec:
    return Codec(lambda v: v.isoformat(), dt.date.fromisoformat)


def _plan() -> Codec:
    from routing.result import Plan

    return Codec(lambda v: v.to_dict(), Plan.from_dict, frozen=True)


def _jobs() -> Codec:
    from routing.problem_io import job_to_dict, jobs_from_dicts

    return Codec(lambda v: [job_to_dict(j) for j in v], jobs_from_dicts)


def _problem() -> Codec:
    from routing.problem_io import problem_from_dict, problem_to_dict

    return Codec(problem_to_dict, lambda d: problem_from_dict(d)[0])


def _context() -> Codec:
    return Codec(lambda v: [v[0], v[1].isoformat()],
                 lambda v: (v[0], dt.date.fromisoformat(v[1])))


def _table() -> Codec:
    from data.store import table_from_stored, table_to_json

    return Codec(lambda v: json.loads(table_to_json(v)),
                 lambda v: table_from_stored(json.dumps(v)))


def _tuple() -> Codec:
    return Codec(list, tuple)


#: Page → session key → codec: what each page's draft holds.
SPECS: Mapping[str, Callable[[], Mapping[str, Codec]]] = {
    "dispatch": lambda: {
        ss.JOBS: _jobs(), ss.JOBS_SOURCE: _plain(), ss.PLAN: _plan(),
        ss.PLAN_ORIGINAL: _plan(), "dsp_problem": _problem(), ss.PLAN_EDIT_REPORT: _plain(),
        "dsp_context": _context(), "dsp_saved_ref": _tuple(), "dsp_saved_names": _plain(),
        "dsp_date": _date(), "dsp_offices": _plain(), "dsp_couriers": _plain(),
        "dsp_profile": _plain(), "dsp_budget": _plain(), "dsp_iterations": _plain(),
        "dsp_n_jobs": _plain(), "dsp_seed": _plain(), "dsp_jobs_source": _plain(),
    },
    "data": lambda: {
        ss.OFFICES: _table(), ss.SPEED_TABLE: _table(), ss.CLOSURES: _table(),
        "roster": _table(), "roster_saved": _plain(),
    },
    "coverage": lambda: {"cov_draft": _plain()},
}


def _flag(page: str, what: str) -> str:
    return f"_draft_{what}_{page}"


def _may_keep() -> bool:
    from data.access import allowed

    account = st.session_state.get(ss.AUTH_ACCOUNT)
    return account is not None and allowed(account, "drafts.own")


def restore(page: str, apply: Callable[[Mapping[str, Any]], None] | None = None) -> None:
    """Bring the account's draft of ``page`` back, once per session, before the widgets.

    Parameters
    ----------
    page
        ``dispatch``, ``data`` or ``coverage``.
    apply
        Puts the draft into the session (default: decode every key of :data:`SPECS`).
    """
    from data.drafts import load_draft

    if st.session_state.get(_flag(page, "checked")) or not _may_keep():
        return
    st.session_state[_flag(page, "checked")] = True
    try:
        draft = load_draft(ss.plan_store(), page, actor=ss.current_account())
    except PostplanError:
        return
    if draft is None:
        return
    try:
        (apply or _apply_spec(page))(draft.content)
    except (PostplanError, KeyError, TypeError, ValueError):
        return  # a draft this version cannot read is left alone, never half-applied
    st.session_state[_flag(page, "hash")] = draft.content_hash
    st.session_state[_flag(page, "restored")] = draft.updated_at


def _apply_spec(page: str) -> Callable[[Mapping[str, Any]], None]:
    spec = SPECS[page]()

    def apply(content: Mapping[str, Any]) -> None:
        decoded = {k: spec[k].decode(v) for k, v in content.items()
                   if k in spec and v is not None}
        for k, v in decoded.items():
            st.session_state[k] = v
    return apply


def content_of(page: str) -> dict[str, Any]:
    """Return the page's work in the session as JSON values (the draft to keep).

    A :attr:`Codec.frozen` value's JSON is kept beside the object it was made from and
    reused while the session holds that very object (a new plan, an edit, a re-plan or a
    restore is a new object).
    """
    spec = SPECS[page]()
    made: dict[str, tuple[Any, Any]] = st.session_state.get(_flag(page, "encoded")) or {}
    out: dict[str, Any] = {}
    now: dict[str, tuple[Any, Any]] = {}
    for k, codec in spec.items():
        v = st.session_state.get(k)
        if v is None:
            continue
        if codec.frozen:
            if k in made and made[k][0] is v:
                out[k] = made[k][1]
            else:
                same = next((e for o, e in now.values() if o is v), None)
                out[k] = codec.encode(v) if same is None else same
            now[k] = (v, out[k])
        else:
            out[k] = codec.encode(v)
    st.session_state[_flag(page, "encoded")] = now
    return out


def keep(page: str, content: Mapping[str, Any] | None = None) -> None:
    """Write the page's work as the account's draft if it changed since the last write."""
    from data.drafts import save_draft

    if not _may_keep():
        return
    body = dict(content) if content is not None else content_of(page)
    try:
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, allow_nan=False,
                          default=str)
    except ValueError:
        return
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if st.session_state.get(_flag(page, "local")) == digest:
        return
    if st.session_state.pop(_flag(page, "fresh"), False) or (
            not body and st.session_state.get(_flag(page, "local")) is None):
        # just discarded (the page's defaults are no work), or nothing done yet
        st.session_state[_flag(page, "local")] = digest
        return
    try:
        save_draft(ss.plan_store(), page, json.loads(text), actor=ss.current_account())
    except PostplanError:
        return  # a draft is a convenience: never stop the page over it
    st.session_state[_flag(page, "local")] = digest


def banner(page: str, clear: Callable[[], None] | None = None) -> None:
    """Say that a draft was restored; *Discard draft* forgets it and empties the page."""
    from app.i18n import t
    from data.drafts import discard_draft

    when = st.session_state.get(_flag(page, "restored"))
    if when is None:
        return
    from app.store_view import fmt_when

    c1, c2 = st.columns([4, 1])
    c1.info(t("draft.restored", when=fmt_when(when)))
    if c2.button(t("draft.discard"), key=f"draft_discard_{page}"):
        with contextlib.suppress(PostplanError):
            discard_draft(ss.plan_store(), page, actor=ss.current_account())
        for k in SPECS[page]():
            st.session_state.pop(k, None)
        if clear is not None:
            clear()
        st.session_state.pop(_flag(page, "restored"), None)
        st.session_state[_flag(page, "local")] = None
        st.session_state[_flag(page, "fresh")] = True
        st.rerun()


__all__ = ["SPECS", "Codec", "banner", "content_of", "keep", "restore"]
