"""The plan store, on SQLite and on a real PostgreSQL server started for the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point
from sqlalchemy import event, inspect
from store_utils import account

from data.errors import ConflictError, InputError, StorageError
from data.settings import Settings
from data.store import (
    KINDS,
    Store,
    content_hash,
    downgrade_schema,
    head_revision,
    make_engine,
    schema_revision,
    table_from_stored,
    upgrade_schema,
)
from routing.result import CourierRoute, Plan, PlannedStop, UnassignedJob

REPO = Path(__file__).resolve().parent.parent


def _postgres_url() -> str:
    try:
        return pg.cluster().create_database()
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not installed here: {exc}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, or a new database on the test cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return _postgres_url()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as s:
        yield s


def make_plan(seed: int = 1, *, note: str = "") -> Plan:
    """A small two-stop plan with Vietnamese labels (hand-made test data, not a solve)."""
    stops = (
        PlannedStop(sequence=0, kind="start", place_id="BC-KONTUM", label="Bưu điện tỉnh Kon Tum",
                    lon=108.0005, lat=14.3497, arrival_s=27000, start_s=27000,
                    departure_s=27000, waiting_s=0, service_s=0, load=0, leg_length_m=0.0,
                    leg_time_s=0.0, office_id="BC-KONTUM"),
        PlannedStop(sequence=1, kind="pickup", place_id="J1", label="UBND phường Quang Trung",
                    lon=108.012, lat=14.356, arrival_s=27600, start_s=27600, departure_s=27900,
                    waiting_s=0, service_s=300, load=1, leg_length_m=1830.5, leg_time_s=600.0,
                    job_id="J1", job_kind="pickup", window=(27000, 41400), amount=1),
        PlannedStop(sequence=2, kind="end", place_id="BC-KONTUM", label="Bưu điện tỉnh Kon Tum",
                    lon=108.0005, lat=14.3497, arrival_s=28500, start_s=28500,
                    departure_s=28500, waiting_s=0, service_s=0, load=1, leg_length_m=1830.5,
                    leg_time_s=600.0, office_id="BC-KONTUM"),
    )
    route = CourierRoute(courier_id="C1", office_id="BC-KONTUM", end_office_id="BC-KONTUM",
                         profile="motorbike", stops=stops)
    return Plan(
        plan_date="2026-11-23", routes=(route,),
        unassigned=(UnassignedJob(job_id="J2", job_kind="delivery", code="window",
                                  text_vi="Ngoài giờ làm việc", text_en="Outside the window"),),
        network_kind="proxy", provenance="simulated", seed=seed, seconds=2.0,
        input_hashes=(("jobs", "a" * 64), ("offices", "b" * 64)),
        settings=(("max_route_s", 28800),), solver="pyvrp 0.14", jobs_total=2, couriers_total=1,
        notes=(note,) if note else (),
    )


# ----------------------------------------------------------------------------- schema


def test_migrations_create_the_schema_the_models_describe(db_url: str) -> None:
    """Alembic upgrades an empty database to head and the tables match db_models exactly."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from data.db_models import Base

    engine = make_engine(db_url)
    assert schema_revision(engine) is None
    upgrade_schema(engine)
    upgrade_schema(engine)  # idempotent
    assert schema_revision(engine) == head_revision() == "0004"
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    downgrade_schema(engine)  # every table of the store goes
    assert schema_revision(engine) is None
    with engine.connect() as conn:
        assert sorted(inspect(conn).get_table_names()) == ["alembic_version"]
    upgrade_schema(engine, revision="0001")
    assert schema_revision(engine) == "0001"
    upgrade_schema(engine)
    assert schema_revision(engine) == "0004"
    engine.dispose()


def test_store_open_uses_a_sqlite_file_in_the_user_dir(tmp_path: Path) -> None:
    """Settings without db_url put the database at user_dir/postplan.sqlite (folder created)."""
    settings = Settings(user_dir=tmp_path / "nested" / "user")
    with Store.open(settings) as s:
        assert s.dialect == "sqlite"
        s.save("plan", "p", {"a": 1}, actor=account(s, "lan"))
        assert s.info(actor=account(s)).objects == 1
        assert s.get(s.find("plan", "p", actor=account(s)).id,  # type: ignore[union-attr]
                     actor=account(s)).version_info.author == "lan"
    assert (tmp_path / "nested" / "user" / "postplan.sqlite").is_file()


def test_unreachable_postgres_is_a_storage_error(tmp_path: Path) -> None:
    """A URL naming a server that is not running raises StorageError naming the URL."""
    url = f"postgresql://nobody:secret@/nodb?host={tmp_path}&port=1"
    with pytest.raises(StorageError, match=r"cannot open the plan store at .*\*\*\*"):
        Store(url)


# ----------------------------------------------------------------------------- save / load


def test_saved_text_reloads_byte_for_byte(store: Store) -> None:
    """JSON text is stored exactly (spacing, key order, Vietnamese) and hashed canonically."""
    root = account(store)
    text = '{ "z": 1,\n  "tên": "Đắk Hà", "a": [1.50, null] }'
    saved = store.save("job_list", "Việc ngày 23/11", text, actor=account(store, "Lan"))
    loaded = store.get(saved.id, actor=root)
    assert loaded == saved  # what save() returns is what the database holds
    assert loaded.content == text
    assert loaded.version == 1 and loaded.is_latest
    assert loaded.data() == {"z": 1, "tên": "Đắk Hà", "a": [1.5, None]}
    assert loaded.version_info.content_hash == content_hash({"a": [1.5, None], "tên": "Đắk Hà",
                                                             "z": 1})
    assert loaded.version_info.size_bytes == len(text.encode("utf-8"))
    assert loaded.info.created_by == "lan" and loaded.info.kind == "job_list"


def test_each_save_adds_a_version_and_old_versions_stay(store: Store) -> None:
    """v1, v2, v3 are all kept; get() returns the latest unless a version is asked for."""
    root = account(store)
    first = store.save("coverage_scenario", "s", {"radius_m": 5000}, actor=account(store, "a"))
    store.save("coverage_scenario", "s", {"radius_m": 7000}, actor=account(store, "b"),
               expected_version=1)
    third = store.save("coverage_scenario", "s", {"radius_m": 9000}, actor=account(store, "c"),
                       expected_version=2, message="rộng hơn")
    assert store.get(first.id, actor=root) == third
    assert store.get(first.id, actor=root).data() == {"radius_m": 9000}
    assert store.get(first.id, version=1, actor=root).data() == {"radius_m": 5000}
    assert not store.get(first.id, version=2, actor=root).is_latest
    history = store.history(first.id, actor=root)
    assert [(v.version, v.author, v.message) for v in history] == [
        (1, "a", ""), (2, "b", ""), (3, "c", "rộng hơn")]
    with pytest.raises(StorageError, match="has no version 4"):
        store.get(first.id, version=4, actor=root)


def test_saving_identical_content_adds_no_version(store: Store) -> None:
    """Saving what is already the latest content (any spacing) returns it unchanged."""
    root = account(store)
    first = store.save("closure_set", "c", {"a": 1, "b": 2}, actor=account(store, "a"))
    again = store.save("closure_set", "c", '{"b": 2, "a": 1}', actor=account(store, "b"),
                       expected_version=1)
    assert again.version == 1 and again.version_info.author == "a"
    assert len(store.history(first.id, actor=root)) == 1


def test_save_plan_keeps_plan_and_records_its_hashes_settings_and_seed(store: Store) -> None:
    """A Plan round-trips through the store and its meta holds input hashes, settings, seed."""
    root = account(store)
    plan = make_plan(seed=42)
    saved = store.save_plan(plan, name="Kế hoạch thứ Hai", actor=account(store, "lan"))
    loaded = store.get(saved.id, actor=root)
    assert loaded.content == plan.to_json()
    assert Plan.from_json(loaded.content) == plan
    assert loaded.meta["seed"] == 42
    assert loaded.meta["input_hashes"] == {"jobs": "a" * 64, "offices": "b" * 64}
    assert loaded.meta["solver_settings"] == {"max_route_s": 28800}
    assert loaded.meta["network_kind"] == "proxy"
    assert loaded.meta["provenance"] == "simulated"
    explicit = store.save_plan(plan.to_json(), name="other", actor=account(store, "lan"), seed=7,
                               input_hashes={"jobs": "c" * 64}, solver_settings={"s": 1})
    assert dict(explicit.meta) | {} == {
        "seed": 7, "input_hashes": {"jobs": "c" * 64}, "solver_settings": {"s": 1},
        "plan_date": "2026-11-23", "network_kind": "proxy", "provenance": "simulated",
        "solver": "pyvrp 0.14", "seconds": 2.0}


def test_table_round_trip_keeps_types_crs_and_geometry(store: Store) -> None:
    """An office registry GeoDataFrame comes back with str codes, ints, CRS and points."""
    root = account(store)
    offices = gpd.GeoDataFrame(
        {"office_id": ["BC-01", "BC-02"], "name": ["Bưu điện Đắk Tô", "Bưu cục Ngọc Hồi"],
         "commune_code": ["23287", "00042"], "staff": [3, 2], "lat": [14.69, 14.70],
         "source": ["user", "estimated"]},
        geometry=[Point(107.83, 14.69), Point(107.68, 14.70)], crs="EPSG:4326")
    saved = store.save_table("office_registry", "offices 2026", offices, actor=root)
    back = table_from_stored(store.get(saved.id, actor=root))
    assert isinstance(back, gpd.GeoDataFrame)
    assert back.crs == offices.crs
    assert list(back.columns) == list(offices.columns)
    assert back["commune_code"].tolist() == ["23287", "00042"]
    assert back["staff"].dtype == offices["staff"].dtype
    assert back.geometry.geom_equals(offices.geometry).all()
    assert saved.meta["rows"] == 2
    plain = pd.DataFrame({"highway": ["primary", "track"], "speed_kph": [50.0, 15.0]})
    back_plain = table_from_stored(store.save_table("speed_table", "s", plain, actor=root))
    pd.testing.assert_frame_equal(back_plain, plain)


def test_invalid_saves_are_rejected_with_every_problem_and_save_nothing(store: Store) -> None:
    """Unknown kind, blank name and bad expected_version are reported together."""
    root = account(store)
    with pytest.raises(InputError) as err:
        store.save("plann", " ", {}, actor=root, expected_version=0)
    columns = [p.column for p in err.value.problems]
    assert columns == ["kind", "name", "expected_version"]
    with pytest.raises(InputError, match=r"not valid JSON: Expecting ',' delimiter \(line 1"):
        store.save("plan", "p", '{"a": 1 "b": 2}', actor=account(store, "a"))
    with pytest.raises(InputError, match="control characters"):
        store.save("plan", "bad\x00name", {}, actor=account(store, "a"))
    with pytest.raises(InputError, match="cannot be stored as JSON"):
        store.save("plan", "p", {"x": float("nan")}, actor=account(store, "a"))
    assert store.list_objects(actor=root) == []


def test_list_find_resolve(store: Store) -> None:
    """Objects are listed latest first, filtered by kind, found by id or by name."""
    root = account(store)
    a = store.save("plan", "A", {}, actor=account(store, "x"))
    b = store.save("job_list", "B", {}, actor=account(store, "y"))
    store.save("plan", "A", {"v": 2}, actor=account(store, "z"), expected_version=1)
    assert [o.name for o in store.list_objects(actor=root)] == ["A", "B"]
    assert [o.name for o in store.list_objects("job_list", actor=root)] == ["B"]
    assert store.find("plan", "A", actor=root) is not None
    assert store.find("plan", "B", actor=root) is None
    assert store.resolve(str(b.id), actor=root).name == "B"
    assert store.resolve("A", kind="plan", actor=root).id == a.id
    assert store.resolve(a.id, actor=root).version == 2
    with pytest.raises(StorageError, match="no stored plan has id or name 'C'"):
        store.resolve("C", kind="plan", actor=root)
    with pytest.raises(InputError, match="unknown kind"):
        store.list_objects("plans", actor=root)
    assert set(KINDS) >= {o.kind for o in store.list_objects(actor=root)}


# ----------------------------------------------------------------------------- concurrency


def test_stale_save_raises_conflict_naming_who_saved_and_overwrites_nothing(store: Store) -> None:
    """Two people open v1; the second to save is told who saved v2, and v2 stays."""
    root = account(store)
    first = store.save("plan", "Thứ Ba", {"routes": 1}, actor=account(store, "Lan"))
    store.save("plan", "Thứ Ba", {"routes": 2}, actor=account(store, "Minh"), expected_version=1)
    with pytest.raises(ConflictError, match=r"saved as v2 by minh at .* after you opened v1"):
        store.save("plan", "Thứ Ba", {"routes": 3}, actor=account(store, "Lan"), expected_version=1)
    assert store.get(first.id, actor=root).data() == {"routes": 2}
    assert len(store.history(first.id, actor=root)) == 2


def test_creating_an_existing_name_is_a_conflict(store: Store) -> None:
    """expected_version=None means 'new': an existing name is never silently replaced."""
    store.save("plan", "P", {"a": 1}, actor=account(store, "Lan"))
    with pytest.raises(ConflictError, match=r"plan 'P' already exists .* saved by lan"):
        store.save("plan", "P", {"a": 2}, actor=account(store, "Minh"))
    with pytest.raises(StorageError, match="does not exist"):
        store.save("plan", "Q", {"a": 2}, actor=account(store, "Minh"), expected_version=1)


def test_concurrent_saves_from_one_version_let_exactly_one_win(db_url: str) -> None:
    """Eight sessions save on top of v1 at once: one makes v2, seven get ConflictError."""
    with Store(db_url) as setup:
        first = setup.save("plan", "race", {"n": 0}, actor=account(setup, "setup"))
        users = [account(setup, f"user{i}") for i in range(8)]
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        with Store(db_url, migrate=False) as s:
            barrier.wait()
            try:
                s.save("plan", "race", {"n": i + 1}, actor=users[i], expected_version=1)
                result = "ok"
            except ConflictError:
                result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
    with Store(db_url) as check:
        root = account(check)
        history = check.history(first.id, actor=root)
        assert [v.version for v in history] == [1, 2]
        assert check.get(first.id, actor=root).data() == {"n": int(history[1].author[4:]) + 1}


def test_concurrent_creates_of_one_name_let_exactly_one_win(db_url: str) -> None:
    """Six sessions create the same new name at once: one succeeds, five get ConflictError."""
    with Store(db_url) as setup:
        users = [account(setup, f"u{i}") for i in range(6)]
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def worker(i: int) -> None:
        with Store(db_url, migrate=False) as s:
            barrier.wait()
            try:
                s.save("plan", "new", {"n": i}, actor=users[i])
                outcomes.append("ok")
            except ConflictError:
                outcomes.append("conflict")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]


# ----------------------------------------------------------------------------- atomicity


def test_failure_inside_the_save_transaction_leaves_previous_version(store: Store) -> None:
    """An error after the version bump but before the new row is written rolls back all."""
    root = account(store)
    first = store.save("plan", "atomic", {"v": 1}, actor=account(store, "a"))

    def explode(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO DOCUMENT_VERSIONS"):
            raise RuntimeError("simulated crash mid-save")

    event.listen(store.engine, "before_cursor_execute", explode)
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            store.save("plan", "atomic", {"v": 2}, actor=account(store, "b"), expected_version=1)
    finally:
        event.remove(store.engine, "before_cursor_execute", explode)
    assert store.get(first.id, actor=root).data() == {"v": 1}
    assert store.get(first.id, actor=root).info.version == 1
    assert [v.version for v in store.history(first.id, actor=root)] == [1]
    again = store.save("plan", "atomic", {"v": 2}, actor=account(store, "b"), expected_version=1)
    assert again.version == 2


CRASHER = """
import os, sys
sys.path.insert(0, {repo!r})
from sqlalchemy import event, inspect
from data.accounts import get_account
from data.store import Store
store = Store({url!r}, migrate=False)
def die(conn, cursor, statement, *args):
    # Both writes of the save are done (version bump, new row); the commit is not.
    if statement.lstrip().upper().startswith("INSERT INTO DOCUMENT_VERSIONS"):
        os._exit(17)
event.listen(store.engine, "after_cursor_execute", die)
store.save("plan", "crash", {{"v": 2, "pad": "x" * 100000}}, actor=get_account(store, "a"),
           expected_version=1)
"""


def test_process_killed_mid_save_leaves_previous_version(db_url: str) -> None:
    """A process that dies inside the save transaction leaves v1 intact and the row unlocked."""
    with Store(db_url) as s:
        first = s.save("plan", "crash", {"v": 1}, actor=account(s, "a"))
    script = CRASHER.format(repo=str(REPO), url=db_url)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 17, proc.stderr
    with Store(db_url) as s:
        root = account(s)
        assert s.get(first.id, actor=root).data() == {"v": 1}
        assert [v.version for v in s.history(first.id, actor=root)] == [1]
        again = s.save("plan", "crash", {"v": 3}, actor=account(s, "b"), expected_version=1)
        assert again.version == 2


def test_rejected_import_saves_nothing(store: Store) -> None:
    """import_and_save does not touch the store when the reader raises InputError."""
    root = account(store)

    def reject() -> pd.DataFrame:
        raise InputError("row 3: lat 'abc' is not a number")

    with pytest.raises(InputError, match="row 3"):
        store.import_and_save("office_registry", "offices", reject, actor=account(store, "a"))
    assert store.list_objects(actor=root) == []
    ok = store.import_and_save("job_list", "jobs", lambda: pd.DataFrame({"job_id": ["J1"]}),
                               actor=account(store, "a"))
    assert table_from_stored(ok)["job_id"].tolist() == ["J1"]


# ----------------------------------------------------------------------------- history


def test_restore_makes_a_new_version_copying_the_old_one(store: Store) -> None:
    """Restoring v1 over v2 writes v3 = v1's exact text; v2 stays in history."""
    root = account(store)
    text_v1 = '{"routes": ["C1"], "note": "bản gốc"}'
    first = store.save("plan", "R", text_v1, actor=account(store, "Lan"), meta={"seed": 1})
    store.save("plan", "R", {"routes": ["C1", "C2"]}, actor=account(store, "Minh"),
               expected_version=1)
    restored = store.restore(first.id, 1, actor=account(store, "Lan"))
    assert restored.version == 3
    assert restored.content == text_v1
    assert restored.version_info.restored_from == 1
    assert restored.meta == {"seed": 1}
    assert restored.version_info.message == "restored from v1"
    assert store.get(first.id, version=2, actor=root).data() == {"routes": ["C1", "C2"]}
    with pytest.raises(ConflictError, match="saved as v3 by lan"):
        store.restore(first.id, 2, actor=account(store, "Minh"), expected_version=2)
    assert store.get(first.id, actor=root).version == 3


def test_compare_lists_changed_paths(store: Store) -> None:
    """compare() names added, removed and changed JSON paths between two versions."""
    root = account(store)
    a = store.save("plan", "cmp", {"routes": [{"id": "C1", "km": 10}], "old": 1},
                   actor=account(store, "x"))
    store.save("plan", "cmp", {"routes": [{"id": "C1", "km": 12}, {"id": "C2"}], "new": 2},
               actor=account(store, "y"), expected_version=1)
    v1 = store.get(a.id, version=1, actor=root)
    v2 = store.get(a.id, version=2, actor=root)
    result = store.compare(v1, v2, actor=root)
    assert [(c.path, c.change, c.old, c.new) for c in result.changes] == [
        ("/routes/0/km", "changed", 10, 12),
        ("/routes/1", "added", None, {"id": "C2"}),
        ("/old", "removed", 1, None),
        ("/new", "added", None, 2),
    ]
    assert not result.identical and not result.truncated
    assert "4 differences" in result.summary()
    same = store.compare(v1, v1, actor=root)
    assert same.identical and same.changes == ()
    limited = store.compare(v1, v2, limit=2, actor=root)
    assert len(limited.changes) == 2 and limited.truncated


def test_plan_json_text_is_parsed_once_and_exported_unchanged(store: Store) -> None:
    """A pretty-printed plan export equals the text that was saved."""
    root = account(store)
    text = make_plan(note="đường ngập").to_json(indent=2)
    saved = store.save_plan(text, name="pretty", actor=account(store, "a"))
    assert store.get(saved.id, actor=root).content == text
    assert json.loads(text)["notes"] == ["đường ngập"]


def test_one_store_shared_by_threads(store: Store) -> None:
    """One Store used by eight threads at once (a Streamlit server) keeps every version."""
    root = account(store)
    errors: list[str] = []

    def worker(i: int) -> None:
        try:
            version = None
            for k in range(10):
                saved = store.save("plan", f"p{i}", {"k": k}, actor=account(store, f"t{i}"),
                                   expected_version=version)
                version = saved.version
                assert store.get(saved.id, actor=root).data() == {"k": k}
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(len(store.history(o.id, actor=root))
                  for o in store.list_objects(actor=root)) == [10] * 8


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=25)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=JSON_VALUES, as_text=st.booleans(), indent=st.sampled_from([None, 1]))
def test_any_json_document_reloads_identical(store: Store, value: object, as_text: bool,
                                             indent: int | None) -> None:
    """Any JSON value (unicode, control characters, big numbers) reloads exactly as saved."""
    root = account(store)
    content = json.dumps(value, indent=indent, ensure_ascii=False) if as_text else {"v": value}
    name = f"doc {uuid.uuid4().hex}"
    saved = store.save("coverage_scenario", name, content, actor=account(store, "h"))
    loaded = store.get(saved.id, actor=root)
    assert loaded.content == saved.content
    assert loaded.data() == (value if as_text else {"v": value})
    if as_text:
        assert loaded.content == content


def test_unpaired_surrogates_are_escaped_or_rejected(store: Store) -> None:
    """A lone surrogate in a dict is kept as a JSON escape; raw in text it is an InputError."""
    root = account(store)
    saved = store.save("plan", "s", {"a": "\ud800"}, actor=account(store, "a"))
    assert store.get(saved.id, actor=root).data() == {"a": "\ud800"}
    assert "\\ud800" in saved.content
    escaped = store.save("plan", "t", '{"a": "\\ud800"}', actor=account(store, "a"))
    assert escaped.data() == {"a": "\ud800"}
    with pytest.raises(InputError, match="unpaired surrogate"):
        store.save("plan", "u", '{"a": "\ud800"}', actor=account(store, "a"))
