"""Tuyến của tôi / My route: the courier's phone page (designed for 360 × 800).

A courier logs in on the phone and sees only their own route of the day
(:meth:`data.store.Store.courier_route`): a small map, then one card per stop in route order
with directions (``geo:`` and Google Maps), a call link, and the buttons *Xong / Done* and
*Không thành công / Failed* (reason from the one list, note, the name of the person who
received it, the fee collected, the time). Each tap is stored on the server at once
(:func:`data.outcomes.record_outcome`); when the connection drops the page says so and keeps
the taps on the phone until they are sent (the component in ``app/components/courier``).
With the courier's consent, asked once, each tap carries the phone's position, which feeds
the field observations (:func:`data.observations.record_stop_report`).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app import basemap, maps
from app import courier_component as cc
from app import courier_view as cv
from app import state as ss
from app.i18n import current_lang, fmt_date, t
from app.safe import md_t
from data import logins
from data.errors import LoginError
from data.outcomes import outcomes_for

ss.enter_page("courier")
account = ss.current_account()
store = ss.plan_store()
lang = current_lang()

if account.role != "courier":
    st.info(md_t("courier.not_courier", role=account.role))
    st.stop()

with st.expander(t("courier.other_day"), key="courier_day_exp"):
    day: dt.date = st.date_input(t("courier.day"), value=cv.today(), format="DD/MM/YYYY",
                                 key="courier_day")
st.subheader(t("courier.title", day=fmt_date(day)))


def _on_taps() -> None:
    """Store what the phone sent (runs before the script, on the component's trigger).

    Callbacks run before the login gate: the session is checked here again, and taps sent
    after it ended are left on the phone (sent again after the next login).
    """
    try:
        actor = logins.session_account(store, st.session_state.get(ss.AUTH_TOKEN) or "")
    except LoginError:
        return
    if actor.username != account.username:
        return
    value = st.session_state.get(cv.COMPONENT_KEY)
    payload = getattr(value, "taps", None)
    result = cv.process_taps(store, payload, actor=actor, route=route.route, lang=lang)
    refused = st.session_state.setdefault("courier_refused", {})
    refused.update(result.refused)
    st.session_state["courier_error"] = result.error


route = store.courier_route(actor=account, plan_date=day.isoformat())
if route is None:
    st.info(md_t("courier.no_route", day=fmt_date(day)))
    st.stop()

st.caption(md_t("courier.plan_line", name=route.plan_name, version=route.version))
if route.provenance == "simulated":
    st.warning(t("courier.simulated"))
if route.network_kind != "osm":
    st.caption(t("courier.estimated"))
error = st.session_state.pop("courier_error", None)
if error:
    st.warning(md_t("courier.server_error", error=error))

outcomes = outcomes_for(store, actor=account, plan_date=day, courier_id=account.courier_id)

layer = cv.route_layer(route.route, name=account.display_name, colour=maps.COURIER_COLOURS[0])
points = [(lat, lon) for lat, lon in layer.path] or [(s[0], s[1]) for s in layer.stops]
# the map is about 330 × 240 px on a phone; fit the route with a margin round it
centre, zoom = maps.points_view(points, width_px=250, height_px=170)
m = maps.base_map(center=centre, zoom=zoom, prefer_canvas=False)
if maps.tiles_from_env() is None:  # no background tiles: communes and highways to go by
    data_key = ss.data_key(ss.get_settings())
    basemap.add_base_layers(m, communes=ss.load_layer("communes", data_key),
                            roads=ss.load_layer("national_roads", data_key))
maps.add_routes(m, [layer], depots=cv.route_depots(route.route))
maps.show_map(m, key="courier_map", height=240)

cc.mount(
    cv.component_data(route, account, day=day, outcomes=outcomes,
                      refused=st.session_state.get("courier_refused", {}),
                      health_url=cc.health_url(), lang=lang),
    on_taps=_on_taps,
)
