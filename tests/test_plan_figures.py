"""The saved plans' figures on the Reports page (AppTest): a viewer reads them, nothing
personal, estimated networks said so."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptest_utils import ADMIN_PASSWORD, log_in, make_app, no_exception, open_page
from courier_fixtures import courier_plan

from data import accounts as acc
from data.settings import Settings
from data.store import Store


def test_viewer_reads_saved_plan_figures_without_personal_data(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A viewer's Reports page lists the saved plan with its counts and no stop label."""
    at = make_app(monkeypatch, tmp_path)
    with Store.open(Settings.from_env()) as store:
        admin = acc.get_account(store, "admin")
        assert admin is not None
        store.save_plan(courier_plan("2026-11-20"), name="Kế hoạch thứ Sáu", actor=admin)
        acc.add_account(store, "xem", actor=admin, role="viewer", password=ADMIN_PASSWORD)
    log_in(at, "xem")
    open_page(at, "reports")
    no_exception(at)
    assert [h.value for h in at.subheader][-1] == "Số liệu các kế hoạch"
    [table] = [d.value for d in at.dataframe if "Kế hoạch" in d.value.columns]
    row = table.iloc[0].to_dict()
    assert row["Kế hoạch"] == "Kế hoạch thứ Sáu"
    assert row["Việc đã xếp"] == 4
    assert row["Ngày"] == "20/11/2026"
    assert "ƯỚC TÍNH" in row[table.columns[-1]]
    shown = table.to_string()
    assert "Lê Lợi" not in shown and "0905" not in shown  # no stop address or phone


def test_reports_page_says_when_no_plan_is_saved(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With no saved plan the figures section says so instead of an empty table."""
    at = open_page(make_app(monkeypatch, tmp_path), "reports")
    no_exception(at)
    assert "Chưa có kế hoạch nào được lưu." in [i.value for i in at.info]
