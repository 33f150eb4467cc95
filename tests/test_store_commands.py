"""``postplan plans list|show|export|history|save|restore|info`` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_utils import account
from test_store import _postgres_url, make_plan

from cli import main
from data.settings import Settings
from data.store import Store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at a fresh store and return a folder with a saved plan file."""
    if request.param == "sqlite":
        monkeypatch.delenv("POSTPLAN_DB_URL", raising=False)
        monkeypatch.setenv("POSTPLAN_USER_DIR", str(tmp_path / "user"))
    else:
        monkeypatch.setenv("POSTPLAN_DB_URL", _postgres_url())
    with Store(Settings.from_env().database_url) as store:  # the accounts the CLI acts as
        account(store, "lan")
        account(store, "minh")
    monkeypatch.setenv("POSTPLAN_AS", "lan")
    (tmp_path / "plan.json").write_text(make_plan(seed=5).to_json(indent=1), encoding="utf-8")
    (tmp_path / "plan2.json").write_text(make_plan(seed=6).to_json(), encoding="utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_save_list_show_export_round_trip(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A plan file saved by the CLI is listed, shown with its seed, and exported byte-exact."""
    code, out, _ = run(capsys, "plans", "save", str(env / "plan.json"), "--name", "Thứ Hai",
                       "--json")
    assert code == 0
    saved = json.loads(out)
    assert saved["ok"] and saved["version"]["version"] == 1
    assert saved["version"]["meta"]["seed"] == 5
    plan_id = str(saved["object"]["id"])

    code, out, _ = run(capsys, "plans", "list", "--json")
    assert [o["name"] for o in json.loads(out)["objects"]] == ["Thứ Hai"]
    code, out, _ = run(capsys, "plans", "list")
    assert "Thứ Hai" in out and "v1" in out

    code, out, _ = run(capsys, "plans", "show", "Thứ Hai")
    assert code == 0 and "seed: 5" in out and "by lan" in out

    target = env / "out" / "export.json"
    code, out, _ = run(capsys, "plans", "export", plan_id, "-o", str(target), "--json")
    assert code == 0 and json.loads(out)["path"] == str(target)
    assert target.read_bytes() == (env / "plan.json").read_bytes()
    code, out, _ = run(capsys, "plans", "export", plan_id)
    assert out == (env / "plan.json").read_text(encoding="utf-8") + "\n"


def test_conflicting_save_fails_and_restore_makes_a_new_version(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Saving over an existing name without --expected-version fails; restore copies v1."""
    run(capsys, "plans", "save", str(env / "plan.json"), "--name", "P")
    code, out, _ = run(capsys, "plans", "save", str(env / "plan2.json"), "--name", "P", "--json")
    assert code == 1
    err = json.loads(out)
    assert err["error"] == "ConflictError" and "already exists" in err["message"]
    code, out, _ = run(capsys, "plans", "save", str(env / "plan2.json"), "--name", "P",
                       "--expected-version", "1", "--as", "minh")
    assert code == 0 and "v2 by minh" in out
    code, out, _ = run(capsys, "plans", "restore", "P", "1", "--json")
    restored = json.loads(out)
    assert restored["version"]["version"] == 3 and restored["version"]["restored_from"] == 1
    code, out, _ = run(capsys, "plans", "history", "P", "--json")
    assert [(v["version"], v["author"]) for v in json.loads(out)["history"]] == [
        (1, "lan"), (2, "minh"), (3, "lan")]
    code, out, _ = run(capsys, "plans", "export", "P", "--version", "3")
    assert out.rstrip("\n") == (env / "plan.json").read_text(encoding="utf-8")


def test_bad_file_and_unknown_id_are_reported(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Invalid JSON exits 2 with the line; an unknown id exits 1 naming it; nothing saved."""
    bad = env / "bad.json"
    bad.write_text('{"routes": [1, 2,,]}', encoding="utf-8")
    code, out, _ = run(capsys, "plans", "save", str(bad), "--name", "bad", "--json")
    assert code == 2
    assert "not valid JSON" in json.loads(out)["problems"][0]
    code, out, _ = run(capsys, "plans", "show", "42", "--json")
    assert code == 1 and "'42'" in json.loads(out)["message"]
    code, out, _ = run(capsys, "plans", "info", "--json")
    info = json.loads(out)
    assert info["objects"] == 0 and info["revision"] == "0004"


def test_compare_two_versions(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """compare P@1 P@2 lists the seed and notes that changed; P@1 P@1 is identical."""
    run(capsys, "plans", "save", str(env / "plan.json"), "--name", "P")
    run(capsys, "plans", "save", str(env / "plan2.json"), "--name", "P", "--expected-version", "1")
    code, out, _ = run(capsys, "plans", "compare", "P@1", "P@2", "--json")
    result = json.loads(out)
    assert code == 0 and not result["identical"]
    assert {"path": "/seed", "change": "changed", "old": 5, "new": 6} in result["changes"]
    code, out, _ = run(capsys, "plans", "compare", "P@1", "P")
    assert "differences" in out and "/seed: 5 → 6" in out
    code, out, _ = run(capsys, "plans", "compare", "P@2", "P", "--json")
    assert json.loads(out)["identical"] is True
