"""Who may do what: the acting account, the five roles, and the role × action rules.

One rule, one place. The store (:class:`data.store.Store`), the account, audit and privacy
services and the CLI all call :func:`require` / :func:`check_document`; the app only hides
what these refuse anyway. A refusal raises :class:`data.errors.AccessDenied` naming the
role (or office) that would be needed, before anything is written.

Roles
-----
``admin``
    Accounts, registries (offices, closures, speed tables), the audit log, citizens'
    requests and retention; may open everything.
``dispatcher``
    Jobs, plans, manual edits, route sheets and the courier roster of the post offices the
    account belongs to (a plan records the offices it belongs to; every one must be the
    dispatcher's).
``planner``
    Coverage, scenarios and siting; the speed table and the roads learnt from field
    traces; reads the registries; never citizens' data.
``courier``
    Only their own route of the day (``Store.courier_route``), and what happened at its
    stops (:mod:`data.outcomes`).
``viewer``
    Aggregate figures only (``Store.plan_figures``, coverage scenarios, registries,
    reports without personal fields).

Stop outcomes (:func:`check_outcome`): a courier records and reads only the stops of their
own route; a dispatcher those of their offices' routes; an admin all of them.
Drafts (``drafts.own``): each account keeps only its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from data.errors import AccessDenied

#: The roles, most powerful first.
ROLES = ("admin", "dispatcher", "planner", "courier", "viewer")

#: Role names shown in messages (Vietnamese / English).
ROLE_LABELS: Mapping[str, str] = {
    "admin": "quản trị / admin",
    "dispatcher": "điều phối / dispatcher",
    "planner": "quy hoạch / planner",
    "courier": "bưu tá / courier",
    "viewer": "xem số liệu / viewer",
}

#: Document kinds that hold citizens' personal data (names, addresses, phones, dossiers).
PERSONAL_KINDS = frozenset({"plan", "manual_edit", "job_list"})
#: Document kinds that belong to post offices (a dispatcher sees only their offices'): the
#: citizens' data, the courier roster (staff names and phones) and closed days' facts.
OFFICE_SCOPED_KINDS = PERSONAL_KINDS | {"roster", "day_summary"}

_CITIZEN_WORK = frozenset({"admin", "dispatcher"})
_REGISTRY_READERS = frozenset({"admin", "dispatcher", "planner", "viewer"})

#: Who may read (open, list, compare, export) and write (save, restore, delete) each kind.
DOCUMENT_RULES: Mapping[str, Mapping[str, frozenset[str]]] = {
    "plan": {"read": _CITIZEN_WORK, "write": _CITIZEN_WORK},
    "manual_edit": {"read": _CITIZEN_WORK, "write": _CITIZEN_WORK},
    "job_list": {"read": _CITIZEN_WORK, "write": _CITIZEN_WORK},
    "office_registry": {"read": _REGISTRY_READERS, "write": frozenset({"admin"})},
    "closure_set": {"read": _REGISTRY_READERS, "write": frozenset({"admin"})},
    # the speed table and the roads learnt from traces: planners calibrate the network
    "speed_table": {"read": _REGISTRY_READERS, "write": frozenset({"admin", "planner"})},
    "trace_roads": {"read": _REGISTRY_READERS, "write": frozenset({"admin", "planner"})},
    # couriers' GPS traces and stop reports (staff's whereabouts): who studies them
    "field_observations": {"read": frozenset({"admin", "dispatcher", "planner"}),
                           "write": frozenset({"admin", "dispatcher", "planner"})},
    "coverage_scenario": {"read": frozenset({"admin", "planner", "viewer"}),
                          "write": frozenset({"admin", "planner"})},
    "roster": {"read": _CITIZEN_WORK, "write": _CITIZEN_WORK},
    # a closed day's facts (routing.dayclose): counts, communes, km, no personal field —
    # what reports add up; dispatchers close their offices' days
    "day_summary": {"read": _REGISTRY_READERS, "write": _CITIZEN_WORK},
}

#: Who may do each action that is not about one document.
ACTION_RULES: Mapping[str, frozenset[str]] = {
    "accounts.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
    "privacy.manage": frozenset({"admin"}),
    "route.own": frozenset({"courier"}),
    "figures.read": frozenset(ROLES),
    "store.info": frozenset(ROLES),
    # what happened at a stop (data.outcomes): scoped further by check_outcome
    "outcomes.record": frozenset({"admin", "dispatcher", "courier"}),
    "outcomes.read": frozenset({"admin", "dispatcher", "courier"}),
    # server-side drafts of one's own work in progress (data.drafts)
    "drafts.own": frozenset({"admin", "dispatcher", "planner"}),
}

#: The pages of the app and the roles whose navigation holds each one. The app builds its
#: menu from this (``pages_for``); what a page reads or writes is still checked by the store,
#: so a page reached some other way refuses all the same.
PAGE_RULES: Mapping[str, frozenset[str]] = {
    # accounts and the audit log
    "admin": ACTION_RULES["accounts.manage"] | ACTION_RULES["audit.read"],
    # jobs, plans, edits, route sheets: citizens' work
    "dispatch": DOCUMENT_RULES["plan"]["write"],
    # coverage, scenarios, siting
    "coverage": DOCUMENT_RULES["coverage_scenario"]["write"],
    # registries, speed table, closures, network, field data (no citizen's data)
    "data": DOCUMENT_RULES["field_observations"]["read"],
    # aggregate figures (no stop, name or address): everyone but couriers
    "reports": ACTION_RULES["figures.read"] - ACTION_RULES["route.own"],
    # a courier's own route of the day
    "courier": ACTION_RULES["route.own"],
}

#: What each action is called in messages (Vietnamese / English).
_ACTION_LABELS: Mapping[str, tuple[str, str]] = {
    "read": ("mở", "open"),
    "write": ("lưu, khôi phục hoặc xoá", "save, restore or delete"),
    "accounts.manage": ("quản lý tài khoản", "manage accounts"),
    "audit.read": ("xem nhật ký truy cập", "read the audit log"),
    "privacy.manage": ("xử lý dữ liệu cá nhân", "handle personal data"),
    "route.own": ("xem tuyến của mình", "see their own route"),
    "figures.read": ("xem số liệu tổng hợp", "see aggregate figures"),
    "store.info": ("xem thông tin kho", "see the store's details"),
    "outcomes.record": ("ghi kết quả phát", "record stop outcomes"),
    "outcomes.read": ("xem kết quả phát", "read stop outcomes"),
    "drafts.own": ("giữ bản nháp", "keep drafts"),
    "page.admin": ("mở trang quản trị", "open the admin page"),
    "page.dispatch": ("mở trang điều phối", "open the Dispatch page"),
    "page.coverage": ("mở trang vùng phục vụ", "open the Coverage page"),
    "page.data": ("mở trang dữ liệu", "open the Data page"),
    "page.reports": ("mở trang báo cáo", "open the reports page"),
    "page.courier": ("mở trang tuyến của bưu tá", "open the courier's route page"),
}


@dataclass(frozen=True)
class Account:
    """A local account: who acts. Every store call takes one (``actor=``).

    Parameters
    ----------
    id
        Database id.
    username
        Login name (unique, never changes; what versions and the audit log record).
    display_name
        Name shown in the app.
    role
        One of :data:`ROLES`.
    offices
        Post offices the account belongs to (dispatchers; office ids).
    courier_id
        The courier this account is (couriers).
    email
        Identity-provider e-mail mapped to this account (OIDC), or None.
    disabled
        A disabled account can neither log in nor act.
    """

    id: int
    username: str
    display_name: str
    role: str
    offices: tuple[str, ...] = field(default=())
    courier_id: str | None = None
    email: str | None = None
    disabled: bool = False

    def summary(self) -> str:
        """One line: username, role, offices."""
        extra = f", offices {', '.join(self.offices)}" if self.offices else ""
        courier = f", courier {self.courier_id}" if self.courier_id else ""
        off = " (disabled)" if self.disabled else ""
        return f"{self.username} — {self.display_name} [{self.role}{extra}{courier}]{off}"


#: The app's own reads of the registries it needs to work (the accepted speed table and
#: the roads learnt from traces, when a network is built): viewer rights, nothing more.
SYSTEM_READER = Account(id=0, username="postplan", display_name="postplan", role="viewer")


def _needed_text(roles: Iterable[str]) -> tuple[str, str]:
    ordered = [r for r in ROLES if r in set(roles)]
    vi = " hoặc ".join(ROLE_LABELS[r].split(" / ")[0] for r in ordered)
    en = " or ".join(ordered)
    return vi, en


def _deny(actor: Account, action_vi: str, action_en: str, roles: Iterable[str]) -> AccessDenied:
    roles = tuple(r for r in ROLES if r in set(roles))
    vi_roles, en_roles = _needed_text(roles)
    vi = (f"Tài khoản '{actor.username}' (vai trò "
          f"{ROLE_LABELS.get(actor.role, actor.role).split(' / ')[0]}) không được {action_vi}; "
          f"cần vai trò {vi_roles}. Không có gì được ghi.")
    en = (f"Account '{actor.username}' (role {actor.role}) may not {action_en}; this needs the "
          f"role {en_roles}. Nothing was written.")
    return AccessDenied(f"{vi} / {en}", needed=roles, message_vi=vi, message_en=en)


def acting(actor: object) -> Account:
    """Return ``actor`` if it is an enabled account, else refuse.

    Raises
    ------
    AccessDenied
        No account was given, or it is disabled.
    """
    if not isinstance(actor, Account):
        raise AccessDenied(
            "Cần tài khoản đang đăng nhập (actor=) cho mọi thao tác với kho. / Every store "
            "call needs the acting account (actor=): log in, or use --as NAME on the command "
            "line.")
    if actor.disabled:
        raise AccessDenied(
            f"Tài khoản '{actor.username}' đã bị vô hiệu hoá. / Account '{actor.username}' is "
            f"disabled; ask an admin to enable it.")
    return actor


def allowed(actor: Account, action: str) -> bool:
    """Whether ``actor``'s role may do ``action`` (a key of :data:`ACTION_RULES`)."""
    return not actor.disabled and actor.role in ACTION_RULES[action]


def require(actor: object, action: str) -> Account:
    """Refuse unless ``actor``'s role may do ``action`` (a key of :data:`ACTION_RULES`).

    Returns
    -------
    Account
        The actor, checked.

    Raises
    ------
    AccessDenied
        Naming the role that would be needed.
    """
    account = acting(actor)
    roles = ACTION_RULES[action]
    if account.role not in roles:
        vi, en = _ACTION_LABELS[action]
        raise _deny(account, vi, en, roles)
    return account


def _kind_label(kind: str) -> str:
    return kind.replace("_", " ")


def can_document(actor: Account, verb: str, kind: str, offices: Iterable[str] = ()) -> bool:
    """Whether ``actor`` may ``verb`` (``read``/``write``) a ``kind`` document of ``offices``."""
    try:
        check_document(actor, verb, kind, offices)
    except AccessDenied:
        return False
    return True


def check_document(actor: object, verb: str, kind: str, offices: Iterable[str] = ()) -> Account:
    """Refuse unless ``actor`` may ``verb`` a document of ``kind`` belonging to ``offices``.

    Parameters
    ----------
    actor
        The acting account.
    verb
        ``"read"`` (open, list, compare, export) or ``"write"`` (save, restore, delete).
    kind
        The document's kind (a key of :data:`DOCUMENT_RULES`).
    offices
        The post offices the document belongs to. A dispatcher must belong to every one of
        them; a document of an office-scoped kind that names no office is admin-only.

    Raises
    ------
    AccessDenied
        Naming the role, or the offices, that would be needed.
    """
    account = acting(actor)
    roles = DOCUMENT_RULES[kind][verb]
    vi_verb, en_verb = _ACTION_LABELS[verb]
    if account.role not in roles:
        raise _deny(account, f"{vi_verb} {_kind_label(kind)}", f"{en_verb} a {_kind_label(kind)}",
                    roles)
    if account.role == "dispatcher" and kind in OFFICE_SCOPED_KINDS:
        needed = sorted(set(offices))
        missing = sorted(set(needed) - set(account.offices))
        if not needed or missing:
            what = ", ".join(missing) if needed else "—"
            raise AccessDenied(
                f"Tài khoản '{account.username}' (điều phối bưu cục "
                f"{', '.join(account.offices) or '—'}) không được {vi_verb} "
                f"{_kind_label(kind)} của bưu cục {what}; cần điều phối viên của bưu cục đó "
                f"hoặc quản trị. Không có gì được ghi. / Account '{account.username}' "
                f"(dispatcher of {', '.join(account.offices) or 'no office'}) may not "
                f"{en_verb} a {_kind_label(kind)} of office(s) {what}; this needs a "
                f"dispatcher of that office, or the role admin. Nothing was written.",
                needed=("admin", "dispatcher"),
            )
    return account


def check_outcome(actor: object, action: str, *, office_id: str | None,
                  courier_id: str | None) -> Account:
    """Refuse unless ``actor`` may record or read the outcomes of a stop.

    Parameters
    ----------
    actor
        The acting account.
    action
        ``"outcomes.record"`` or ``"outcomes.read"``.
    office_id
        The post office the route starts from (None: any, for a read across offices).
    courier_id
        The courier whose route it is (None: any).

    Raises
    ------
    AccessDenied
        The role may not; a courier asks about another courier's route; a dispatcher
        about another office's.
    """
    account = require(actor, action)
    vi_verb, en_verb = _ACTION_LABELS[action]
    if account.role == "courier" and (courier_id is None or courier_id != account.courier_id):
        raise AccessDenied(
            f"Tài khoản '{account.username}' (bưu tá {account.courier_id or '—'}) chỉ được "
            f"{vi_verb} trên tuyến của chính mình, không phải của {courier_id or 'mọi bưu tá'}. "
            f"Không có gì được ghi. / Account '{account.username}' (courier "
            f"{account.courier_id or '—'}) may {en_verb} only on their own route, not "
            f"{courier_id or 'every courier'}'s. Nothing was written.",
            needed=("admin", "dispatcher"))
    if account.role == "dispatcher" and (office_id is None or office_id not in account.offices):
        raise AccessDenied(
            f"Tài khoản '{account.username}' (điều phối bưu cục "
            f"{', '.join(account.offices) or '—'}) không được {vi_verb} của bưu cục "
            f"{office_id or '—'}; cần điều phối viên của bưu cục đó hoặc quản trị. Không có gì "
            f"được ghi. / Account '{account.username}' (dispatcher of "
            f"{', '.join(account.offices) or 'no office'}) may not {en_verb} of office "
            f"{office_id or '—'}; this needs a dispatcher of that office, or the role admin. "
            f"Nothing was written.", needed=("admin", "dispatcher"))
    return account


def pages_for(actor: Account) -> tuple[str, ...]:
    """Return the pages of :data:`PAGE_RULES` in ``actor``'s navigation, in order."""
    if actor.disabled:
        return ()
    return tuple(page for page, roles in PAGE_RULES.items() if actor.role in roles)


def require_page(actor: object, page: str) -> Account:
    """Refuse unless ``actor``'s role may open the app page ``page`` (:data:`PAGE_RULES`).

    Raises
    ------
    AccessDenied
        Naming the roles whose navigation holds the page.
    """
    account = acting(actor)
    roles = PAGE_RULES[page]
    if account.role not in roles:
        vi, en = _ACTION_LABELS[f"page.{page}"]
        raise _deny(account, vi, en, roles)
    return account
