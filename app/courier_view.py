"""The courier's phone page without Streamlit: stop cards, taps → outcomes, the route map.

The page (``app/pages/courier.py``) shows a courier's own route of the day
(:meth:`data.store.Store.courier_route`) through the component in
``app/components/courier`` and stores each tap with :func:`data.outcomes.record_outcome`.
Everything here is plain data:

* :func:`stop_cards` — one card per stop for the component: what to do, where, when,
  navigation (``geo:`` and Google Maps) and call (``tel:``) links built from numbers and
  digits only, how the address was placed, and the last outcome stored for it;
* :func:`component_data` — everything the component needs (labels in the page's language,
  the failure reasons from the one list :data:`data.outcomes.OUTCOME_REASONS`, the browser
  storage keys of the account and day, the ids the server has stored);
* :func:`process_taps` — what the phone sent, each tap made an
  :class:`~data.outcomes.Outcome` for the logged-in courier and recorded once (the
  server's idempotency on ``outcome_id``); a refused tap gets its reason back, a storage
  failure leaves every tap on the phone to be sent again;
* :func:`route_layer` — the route for the small map (:mod:`app.maps`), text escaped.

Text from the plan (addresses, names) never becomes HTML here: the component writes it with
``textContent``; the map's tooltips go through :func:`app.safe.html_text`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from app.i18n import N_, current_lang, fmt_clock, t
from app.labels import PLACEMENT_KEYS
from app.map_routes import RouteLayer
from app.plan_view import stop_type
from app.safe import html_text
from data.observations import PLACEMENTS
from routing.sheets.text import format_vnd, geo_uri, google_maps_url

if TYPE_CHECKING:
    from data.access import Account
    from data.store import CourierRoute, Store

#: Vietnam time: the courier's day.
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
#: Widget key of the component (its trigger ``taps`` carries what the phone sends).
COMPONENT_KEY = "courier_taps"
#: What the phone may send per tap; anything else is dropped before the outcome is built.
TAP_FIELDS = ("outcome_id", "plan_id", "plan_version", "plan_date", "job_id", "role",
              "status", "at", "reason", "note", "receiver_name", "fee_vnd", "lat", "lon",
              "accuracy_m")
#: Most taps accepted in one message (a day's route has far fewer stops).
MAX_TAPS = 500
_JOB_ROLES = ("pickup", "delivery", "visit")
#: The component's texts: name in the script (``L.name``) → label key.
JS_LABELS: dict[str, str] = {
    "online_all_saved": N_("courier.js.online_all_saved"),
    "offline": N_("courier.js.offline"),
    "offline_waiting": N_("courier.js.offline_waiting"),
    "not_confirmed": N_("courier.js.not_confirmed"),
    "sending": N_("courier.js.sending"),
    "storage_failed": N_("courier.js.storage_failed"),
    "refused_waiting": N_("courier.js.refused_waiting"),
    "other_days": N_("courier.js.other_days"),
    "locating": N_("courier.js.locating"),
    "consent_ask": N_("courier.js.consent_ask"),
    "consent_yes": N_("courier.js.consent_yes"),
    "consent_no": N_("courier.js.consent_no"),
    "consent_on": N_("courier.js.consent_on"),
    "consent_off": N_("courier.js.consent_off"),
    "consent_denied": N_("courier.js.consent_denied"),
    "consent_change": N_("courier.js.consent_change"),
    "queue_title": N_("courier.js.queue_title"),
    "discard": N_("courier.js.discard"),
    "discard_confirm": N_("courier.js.discard_confirm"),
    "done": N_("courier.js.done"),
    "failed": N_("courier.js.failed"),
    "waiting": N_("courier.js.waiting"),
    "refused": N_("courier.js.refused"),
    "navigate": N_("courier.js.navigate"),
    "google_maps": N_("courier.js.google_maps"),
    "call": N_("courier.js.call"),
    "mark_done": N_("courier.js.mark_done"),
    "mark_failed": N_("courier.js.mark_failed"),
    "receiver": N_("courier.js.receiver"),
    "fee": N_("courier.js.fee"),
    "reason": N_("courier.js.reason"),
    "note": N_("courier.js.note"),
    "time": N_("courier.js.time"),
    "save": N_("courier.js.save"),
    "cancel": N_("courier.js.cancel"),
    "need_reason": N_("courier.js.need_reason"),
    "need_note": N_("courier.js.need_note"),
    "bad_fee": N_("courier.js.bad_fee"),
    "bad_time": N_("courier.js.bad_time"),
    "progress": N_("courier.js.progress"),
}


def today() -> dt.date:
    """Today in Vietnam (the courier's working day)."""
    return dt.datetime.now(VN_TZ).date()


def tel_uri(phone: Any) -> str | None:
    """Return a ``tel:`` link from a phone number as given, or None when it is not one.

    Only a leading ``+`` and the digits are kept (spaces, dots and dashes dropped); fewer
    than 8 digits or more than 15 is not a phone number.

    Examples
    --------
    >>> tel_uri("+84 905.123-456")
    'tel:+84905123456'
    >>> tel_uri("javascript:alert(1)") is None
    True
    """
    text = str(phone or "").strip()
    digits = re.sub(r"\D", "", text)
    if not 8 <= len(digits) <= 15 or re.search(r"[^\d\s().+-]", text):
        return None
    return "tel:" + ("+" if text.startswith("+") else "") + digits


def storage_key(account: Account, day: dt.date) -> str:
    """Browser storage key of the taps of ``account`` on ``day`` (one queue per both)."""
    return f"postplan.courier.v1.{quote(account.username, safe='')}.{day.isoformat()}"


def consent_key(account: Account) -> str:
    """Browser storage key of the account's answer to the position question."""
    return f"postplan.courier.v1.{quote(account.username, safe='')}.geo-consent"


def _number(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out else None


def _local_clock(when: dt.datetime) -> str:
    return when.astimezone(VN_TZ).strftime("%H:%M")


def _placement(stop: Mapping[str, Any]) -> str:
    """How a stored stop's address was placed (given / observed / approximate; "" office)."""
    if stop.get("office_id"):
        return ""
    placed = str(stop.get("placed_by") or "")
    if placed in PLACEMENTS:
        return placed
    return "approximate" if stop.get("approximate") else "given"


def recorded_text(outcome: Any, *, lang: str) -> str:
    """Say what the stored outcome of a stop says, on one line (plain text)."""
    when = _local_clock(outcome.at)
    if outcome.status == "done":
        parts = [t("courier.recorded_done", lang=lang, time=when)]
        if outcome.receiver_name:
            parts.append(t("courier.receiver", lang=lang, name=outcome.receiver_name))
        if outcome.fee_vnd is not None:
            parts.append(format_vnd(outcome.fee_vnd))
        return " · ".join(parts)
    reason = outcome.reason_text(lang) if hasattr(outcome, "reason_text") else outcome.reason
    text = t("courier.recorded_failed", lang=lang, time=when, reason=reason or "")
    return f"{text} — {outcome.note}" if outcome.note else text


def stop_cards(route: Mapping[str, Any], recorded: Mapping[tuple[str, str], Any], *,
               lang: str) -> list[dict[str, Any]]:
    """One card per stop of ``route`` (a stored plan's route dict), in route order.

    Parameters
    ----------
    route
        ``CourierRoute.route``: ``stops`` with kind, label, lon/lat, times, job and window.
    recorded
        The outcome that counts for each stop ``(job_id, role)``
        (:func:`data.outcomes.latest_by_stop`).
    lang
        ``vi`` or ``en``.

    Returns
    -------
    list of dict
        Plain values only (the component writes them as text): ``key``, ``seq``,
        ``job_id``, ``role``, ``markable`` (a job's stop: done / failed buttons),
        ``kind_label``, ``label``, ``when``, ``detail``, ``geo``, ``gmaps``, ``tel``,
        ``recorded`` and ``recorded_status``.
    """
    cards = []
    for stop in route.get("stops") or []:
        if not isinstance(stop, Mapping):
            continue
        kind = str(stop.get("kind") or "")
        job_id = stop.get("job_id")
        markable = job_id is not None and kind in _JOB_ROLES
        lat, lon = _number(stop.get("lat")), _number(stop.get("lon"))
        when = fmt_clock(_number(stop.get("arrival_s")))
        window = stop.get("window")
        if isinstance(window, Sequence) and len(window) == 2 and markable:
            span = f"{fmt_clock(_number(window[0]))}–{fmt_clock(_number(window[1]))}"
            when += " · " + t("courier.window", lang=lang, window=span)
        detail = []
        if markable:
            detail.append(t("courier.job", lang=lang, job=job_id))
            placed = _placement(stop)
            if placed:
                detail.append(t(PLACEMENT_KEYS[placed], lang=lang))
        last = recorded.get((str(job_id), kind)) if markable else None
        cards.append({
            "key": f"{kind}:{job_id}" if markable else f"{kind}:{stop.get('sequence')}",
            "seq": str(stop.get("sequence", "")),
            "job_id": None if job_id is None else str(job_id),
            "role": kind,
            "markable": markable,
            "kind_label": (stop_type(kind, stop.get("job_kind")) if markable
                           else t("courier.kind_depot", lang=lang)),
            "label": str(stop.get("label") or ""),
            "when": when,
            "detail": " · ".join(detail),
            "geo": geo_uri(lat, lon) if lat is not None and lon is not None else None,
            "gmaps": google_maps_url(lat, lon) if lat is not None and lon is not None else None,
            "tel": tel_uri(stop.get("phone")) if markable else None,
            "recorded": recorded_text(last, lang=lang) if last is not None else None,
            "recorded_status": last.status if last is not None else None,
        })
    return cards


def labels(lang: str) -> dict[str, str]:
    """Return the component's texts in ``lang`` (:data:`JS_LABELS`)."""
    return {name: t(key, lang=lang) for name, key in JS_LABELS.items()}


def component_data(route: CourierRoute, account: Account, *, day: dt.date,
                   outcomes: Sequence[Any], refused: Mapping[str, str], health_url: str,
                   lang: str | None = None) -> dict[str, Any]:
    """Everything the component is drawn from (plain JSON values).

    Parameters
    ----------
    route
        The courier's route of the day.
    account
        The logged-in courier.
    day
        The day shown.
    outcomes
        The outcomes stored for this courier and day (:func:`data.outcomes.outcomes_for`):
        their ids leave the phone's queue; the last per stop is shown on its card.
    refused
        Taps the server refused this session: ``outcome_id`` → why (shown, kept on the
        phone until the courier discards them).
    health_url
        The server's health check (the component pings it to tell offline from online).
    lang
        ``vi`` or ``en`` (default: the page's).
    """
    from data.outcomes import OUTCOME_REASONS, latest_by_stop

    lang = lang or current_lang()
    recorded = latest_by_stop(outcomes)
    return {
        "version": 1,
        "queue_key": storage_key(account, day),
        "queue_prefix": storage_key(account, day).removesuffix(day.isoformat()),
        "consent_key": consent_key(account),
        "plan_date": day.isoformat(),
        "plan": {"id": int(route.plan_id), "version": int(route.version)},
        "labels": labels(lang),
        "reasons": [[code, pair[0] if lang == "vi" else pair[1]]
                    for code, pair in OUTCOME_REASONS.items()],
        "stops": stop_cards(route.route, {(k[0], k[1]): v for k, v in recorded.items()},
                            lang=lang),
        "stored": sorted(str(o.outcome_id) for o in outcomes),
        "refused": {str(k): str(v) for k, v in refused.items()},
        "health_url": health_url,
    }


@dataclass(frozen=True)
class TapResult:
    """What became of the taps of one message from the phone.

    Parameters
    ----------
    stored
        Outcomes stored now (``created``) or found already stored (a resend).
    refused
        ``outcome_id`` → why the server will never store it (a wrong field, not the
        courier's stop, the id reused for other values): shown on the phone.
    error
        Set when the store itself failed (database down or read-only): nothing of what
        failed is acknowledged, so the phone keeps those taps and sends them again.
    """

    stored: tuple[Any, ...] = ()
    refused: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None


def tap_dicts(payload: Any) -> list[dict[str, Any]]:
    """Return the taps of one message (``{"batch": [...]}``), each cut to :data:`TAP_FIELDS`."""
    batch = payload.get("batch") if isinstance(payload, Mapping) else None
    if not isinstance(batch, list):
        return []
    return [{k: tap.get(k) for k in TAP_FIELDS if k in tap}
            for tap in batch[:MAX_TAPS] if isinstance(tap, Mapping)]


def _problems_text(exc: Any, lang: str) -> str:
    problems = getattr(exc, "problems", None)
    if problems:
        return "; ".join(p.text(lang) if hasattr(p, "text") else str(p) for p in problems)
    return str(exc)


def process_taps(store: Store, payload: Any, *, actor: Account, route: Mapping[str, Any],
                 lang: str = "vi") -> TapResult:
    """Record every tap of a message from the phone as the logged-in courier's outcome.

    The courier is the account (``actor.courier_id``), never what the phone says; the plan,
    route and stop are checked by :func:`data.outcomes.record_outcome`, which stores an
    ``outcome_id`` once (a resend returns the stored outcome). An outcome with the phone's
    position also becomes a stop report of the stop's address
    (:func:`data.stop_reports.record_stop_report`, once per outcome). A tap the server
    refuses gets its reason in the result; when the database fails, the phone keeps the
    rest.

    Parameters
    ----------
    store
        The store.
    payload
        What the component sent (``{"batch": [tap, …]}``).
    actor
        The logged-in courier.
    route
        The courier's route of the day as shown (``CourierRoute.route``): the stops whose
        address keys the stop reports take.
    lang
        Language of the refusal messages.
    """
    from data.errors import AccessDenied, ConflictError, InputError, StorageError
    from data.outcomes import Outcome, record_outcome
    from data.stop_reports import record_stop_report

    stops = {(str(s.get("job_id")), str(s.get("kind"))): s for s in route.get("stops") or []
             if isinstance(s, Mapping) and s.get("job_id") is not None}

    stored: list[Any] = []
    refused: dict[str, str] = {}
    for tap in tap_dicts(payload):
        oid = str(tap.get("outcome_id") or "")
        values = {**tap, "courier_id": actor.courier_id or "", "provenance": "observed"}
        if not values.get("reason"):
            values["reason"] = None
        try:
            outcome = Outcome.from_dict(values)
            saved, _created = record_outcome(store, outcome, actor=actor)
            stop = stops.get((saved.job_id, saved.role))
            if saved.has_position and stop is not None:
                record_stop_report(store, saved, stop, actor=actor)
        except (InputError, AccessDenied, ConflictError) as exc:
            if oid:
                refused[oid] = _problems_text(exc, lang)
            continue
        except StorageError as exc:
            return TapResult(stored=tuple(stored), refused=refused, error=str(exc))
        stored.append(saved)
    return TapResult(stored=tuple(stored), refused=refused)


def route_depots(route: Mapping[str, Any]) -> list[tuple[float, float, str]]:
    """Return (lat, lon, label) of the offices the route starts and ends at."""
    seen: dict[tuple[float, float], str] = {}
    for s in route.get("stops") or []:
        lat, lon = _number(s.get("lat")), _number(s.get("lon"))
        if s.get("job_id") is None and lat is not None and lon is not None:
            seen.setdefault((lat, lon), str(s.get("label") or ""))
    return [(lat, lon, label) for (lat, lon), label in seen.items()]


def route_layer(route: Mapping[str, Any], *, name: str, colour: str) -> RouteLayer:
    """Return the route for the small map: road geometry when the plan has it, stops numbered."""
    path = [(float(point[1]), float(point[0]))
            for leg in route.get("geometry") or [] for point in leg or []]
    roads = bool(path)
    stops = []
    placements = []
    for s in route.get("stops") or []:
        lat, lon = _number(s.get("lat")), _number(s.get("lon"))
        if lat is None or lon is None:
            continue
        if not roads:  # no road geometry: straight lines from stop to stop
            path.append((lat, lon))
        if s.get("job_id") is None:
            continue
        tip = (f"<b>{int(s.get('sequence', 0))}</b> · {html_text(s.get('label'))}"
               f"<br>{fmt_clock(_number(s.get('arrival_s')))}")
        stops.append((lat, lon, int(s.get("sequence", 0)), tip))
        placements.append(_placement(s) or "given")
    return RouteLayer(label=name, colour=colour, path=path, stops=stops, placements=placements)


__all__ = [
    "COMPONENT_KEY",
    "TAP_FIELDS",
    "VN_TZ",
    "TapResult",
    "component_data",
    "consent_key",
    "labels",
    "process_taps",
    "recorded_text",
    "route_depots",
    "route_layer",
    "stop_cards",
    "storage_key",
    "tap_dicts",
    "tel_uri",
    "today",
]
