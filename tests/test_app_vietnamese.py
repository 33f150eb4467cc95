"""Every page in Vietnamese shows no English label and no raw id (AppTest, logged in as admin).

The walk opens each page under ``app/pages/``, then plans a simulated day on Dispatch and
runs a siting on Coverage, and reads every label, caption, header, option, metric, tab,
expander, column header and text cell (``tests/ui_text.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from apptest_utils import (
    ADMIN_PASSWORD,
    finish_planning,
    log_in,
    make_app,
    no_exception,
    open_page,
    plan_simulated_day,
)
from streamlit.testing.v1 import AppTest
from ui_text import Shown, english_catalogue, shown_texts, untranslated

from app.i18n import KIND_KEYS, SOURCE_KEYS
from data import accounts
from data.settings import Settings
from data.store import Store
from data.vehicles import PROFILE_NAMES

PAGES = sorted(p.stem for p in (Path(__file__).parent.parent / "app" / "pages").glob("[!_]*.py"))

#: Code values the interface must show as words, never raw.
CODE_WORDS = {
    *PROFILE_NAMES, *SOURCE_KEYS, *KIND_KEYS,
    "optimal", "trivial", "time_limit", "infeasible", "mclp", "pmedian",
    "admin", "dispatcher", "planner", "courier", "viewer",
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "service", "track", "path", "paved", "unpaved",
    "dossier_pickup", "result_delivery", "counter_transfer", "delivery", "pickup", "transfer",
    "existing", "chosen", "greedy",
}  # fmt: skip


def _names() -> set[str]:
    """Words of the bundle's place and office names (proper names, allowed as they are)."""
    from data.layers import load_communes
    from data.offices import default_offices
    from data.settings import Settings

    settings = Settings.from_env()
    communes = load_communes(settings)
    text = " ".join(
        [*communes["name"], *communes["district"], *communes["new_commune_name"],
         *default_offices(settings)["name"]]
    )  # fmt: skip
    return {w.lower() for w in text.replace("(", " ").replace(")", " ").split()}


@pytest.fixture(scope="module")
def vocabulary() -> dict[str, set[str]]:
    texts, words = english_catalogue()
    return {"english_texts": texts, "english_words": words | CODE_WORDS, "names": _names()}


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    """The app logged in as the first admin, ``lan`` (a username that is no role word)."""
    at = make_app(monkeypatch, tmp_path, logged_in=False)
    with Store.open(Settings.from_env()) as store:
        accounts.create_first_admin(store, "lan", password=ADMIN_PASSWORD,
                                    display_name="Nguyễn Thị Lan")
    return log_in(at, "lan", ADMIN_PASSWORD)


def _check(at: AppTest, vocabulary: dict[str, set[str]], page: str, *,
           at_least: int = 11) -> None:
    no_exception(at)
    shown = shown_texts(at)
    assert len(shown) >= at_least, f"{page}: the walk read almost nothing"
    problems = untranslated(shown, **vocabulary)
    assert not problems, f"{page} shows {len(problems)} untranslated texts:\n" + "\n".join(
        problems
    )


def test_the_checker_flags_english_and_raw_ids(vocabulary: dict[str, set[str]]) -> None:
    """An English label, a raw code, a raw id in a sentence and an ISO date are each caught."""
    shown = [
        Shown("selectbox options", "motorbike"),
        Shown("dataframe column", "site_id"),
        Shown("caption body", "Mô hình mclp, trạng thái optimal; chọn: commune-23327."),
        Shown("dataframe column 'due' cell", "2026-11-26", cell=True),
        Shown("button label", "Plan the day"),
        Shown("caption body", "Tải jobs_template.csv; OSM và WorldPop 2020, 12 km/h."),
        Shown("dataframe column 'Tên' cell", "Vietnam Post (Thị trấn Đăk Hà)", cell=True),
    ]
    flagged = untranslated(shown, **vocabulary)
    assert [f.split(":")[0] for f in flagged] == [
        "button label", "caption body", "dataframe column 'due' cell", "dataframe column",
        "selectbox options",
    ]  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
def test_each_page_opens_in_vietnamese_only(
    app: AppTest, vocabulary: dict[str, set[str]], page: str
) -> None:
    """A freshly opened page shows only Vietnamese (proper names, units, formats allowed).

    Each page is opened by a role whose menu holds it (the courier page by a courier with a
    route today); the reports page with a saved plan to show.
    """
    if page in ("courier", "reports"):
        import datetime as dt
        from zoneinfo import ZoneInfo

        from courier_fixtures import courier_plan

        today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
        with Store.open(Settings.from_env()) as store:
            lan = accounts.get_account(store, "lan")
            assert lan is not None
            store.save_plan(courier_plan(today), name="Kế hoạch hôm nay", actor=lan)
            if page == "courier":
                accounts.add_account(store, "bt01", actor=lan, role="courier",
                                     courier_id="BT01", password=ADMIN_PASSWORD,
                                     display_name="Bưu tá Một")
        if page == "courier":
            log_in(app, "bt01", ADMIN_PASSWORD)
    at = open_page(app, page)
    # a courier's menu is one page, and the stop cards are the component's (their labels
    # are checked in tests/test_courier_view.py): fewer texts for AppTest to read
    _check(at, vocabulary, page, at_least=8 if page == "courier" else 11)


def test_dispatch_upload_panel_and_data_after_apply_are_vietnamese(
    app: AppTest, vocabulary: dict[str, set[str]]
) -> None:
    """The jobs upload panel, and the office registry after an edit is applied."""
    at = open_page(app, "dispatch")
    at.radio(key="dsp_jobs_source").set_value("upload").run()
    _check(at, vocabulary, "dispatch (upload panel)")
    at.switch_page("app/pages/data.py").run()
    at.button(key="offices_apply").click().run()
    _check(at, vocabulary, "data (offices applied)")


def test_dispatch_after_planning_a_day_is_vietnamese(
    app: AppTest, vocabulary: dict[str, set[str]]
) -> None:
    """A planned day, a moved stop, two saved versions, a re-plan and their comparison."""
    at = plan_simulated_day(app)
    assert [d for d in at.dataframe if "Đến lúc" in d.value.columns], "the day was not planned"
    _check(at, vocabulary, "dispatch (planned)")
    at.number_input(key="dsp_edit_pos").set_value(1)
    at.selectbox(key="dsp_edit_to").set_value(list(at.session_state["dsp_problem"].couriers)[-1])
    at.button(key="dsp_edit_move").click().run()
    _check(at, vocabulary, "dispatch (a stop moved)")
    at.button(key="dsp_save").click().run()
    at.button(key="dsp_replan").click().run()
    finish_planning(at)
    at.button(key="dsp_save").click().run()
    at.selectbox(key="dsp_compare_a").set_value(1)
    at.selectbox(key="dsp_compare_b").set_value(2).run()
    at.button(key="dsp_compare").click().run()
    assert any(d.value.shape[0] for d in at.dataframe if "Bưu tá" in d.value.columns)
    _check(at, vocabulary, "dispatch (saved, re-planned, compared)")


def test_coverage_after_a_siting_run_is_vietnamese(
    app: AppTest, vocabulary: dict[str, set[str]]
) -> None:
    """Candidates, before/after figures, chosen sites, the siting note, a saved scenario."""
    at = open_page(app, "coverage")
    at.session_state["cov_clicked"] = {"lat": 14.95, "lng": 107.75}
    at.run()
    at.button(key="cov_add_clicked").click().run()
    at.number_input(key="cov_k").set_value(1)
    at.button(key="cov_run").click().run()
    _check(at, vocabulary, "coverage (sited)")
    at.button(key="cov_scn_save").click().run()
    _check(at, vocabulary, "coverage (scenario saved)")
