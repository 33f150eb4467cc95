"""app.labels: codes and file columns shown as words, one table per kind of code."""

from __future__ import annotations

import pandas as pd

from app.i18n import SOURCE_KEYS, t
from app.labels import (
    DATASET_KEYS,
    HIGHWAY_KEYS,
    JOB_KIND_KEYS,
    PROFILE_KEYS,
    ROLE_KEYS,
    SURFACE_KEYS,
    column_config,
    keep_stored_notes,
    labelled,
    profile_label,
    role_label,
    status_label,
)
from data.access import ROLES
from data.catalogue import CATALOGUE
from data.offices import OFFICE_SOURCES
from data.vehicles import PROFILE_LABELS_VI, PROFILE_NAMES
from geo.graph import EDGE_SOURCES
from geo.profiles import load_speed_table
from routing.model import JOB_KINDS


def test_every_code_the_data_layer_knows_has_a_label() -> None:
    """Profiles, roles, job kinds, sources, road classes, surfaces and datasets are covered."""
    speeds = load_speed_table()
    assert set(PROFILE_KEYS) == set(PROFILE_NAMES)
    assert set(ROLE_KEYS) == set(ROLES)
    assert set(JOB_KIND_KEYS) == set(JOB_KINDS)
    assert set(OFFICE_SOURCES) | set(EDGE_SOURCES) <= set(SOURCE_KEYS)
    assert set(speeds["highway"]) <= set(HIGHWAY_KEYS)
    assert set(speeds["surface"]) <= set(SURFACE_KEYS)
    assert {e.name for e in CATALOGUE} == set(DATASET_KEYS)


def test_profile_labels_are_the_vehicle_list_names() -> None:
    """The Vietnamese labels are data.vehicles' names (the words imported files may use)."""
    for name in PROFILE_NAMES:
        assert profile_label(name).casefold() == PROFILE_LABELS_VI[name].casefold()
    assert profile_label("motorbike") == "Xe máy"


def test_unknown_codes_are_shown_as_they_are() -> None:
    """A HiGHS status no table knows is not hidden; known ones are words."""
    assert status_label("optimal") == "tối ưu"
    assert status_label("objective_bound") == "objective_bound"
    assert role_label("admin") == "quản trị viên"


def test_labelled_turns_codes_dates_and_notes_into_words() -> None:
    """A jobs-like frame: headers, job kind, source, ISO date and a two-language note."""
    frame = pd.DataFrame({
        "job_id": ["S0001"], "kind": ["result_delivery"], "source": ["simulated"],
        "due_date": ["2026-11-26"], "note": ["sửa trong ứng dụng / edited in the app"],
    })
    shown = labelled(frame, kinds=JOB_KIND_KEYS)
    assert list(shown.columns) == ["Mã việc", "Loại", "Nguồn", "Hạn", "Ghi chú"]
    assert shown.iloc[0].tolist() == [
        "S0001", "Trả kết quả", "mô phỏng", "26/11/2026", "sửa trong ứng dụng",
    ]


def test_column_config_names_columns_without_renaming_them() -> None:
    """Editors keep the file's columns; headers are words; code columns show labels."""
    frame = pd.DataFrame({"highway": ["trunk"], "surface": ["paved"], "car_kph": [60.0]})
    config = column_config(frame)
    assert set(config) == {"highway", "surface", "car_kph"}
    assert config["car_kph"]["label"] == "Ô tô (km/h)"
    assert config["highway"]["label"] == t("col.highway") == "Loại đường"
    assert config["highway"]["disabled"] is True
    assert config["highway"]["type_config"]["options"][:2] == [
        {"value": "*", "label": "Mọi loại khác (*)"},
        {"value": "motorway", "label": "Đường cao tốc"},
    ]


def test_a_note_left_unchanged_keeps_both_languages() -> None:
    """The editor's Vietnamese half untouched: the stored note comes back; edited: kept."""
    stored = pd.DataFrame({"office_id": ["a", "b"],
                           "location_note": ["ước tính / estimated", "x / y"]})
    shown = stored.assign(location_note=["ước tính", "x"])
    edited = shown.assign(location_note=["ước tính", "khảo sát 2026"])
    out = keep_stored_notes(edited, shown=shown, stored=stored, id_column="office_id")
    assert out["location_note"].tolist() == ["ước tính / estimated", "khảo sát 2026"]
