import json

import pyrosm
import pytest

from cli import main
from data.settings import Settings
from geo.graph import save_network
from geo.network import network_cache_key


@pytest.fixture
def env(tmp_path, monkeypatch, settings):
    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("POSTPLAN_DATA_DIR", str(settings.data_dir))
    return tmp_path


def test_network_info_before_build_is_an_error(env, capsys) -> None:
    """'network info' without a built network exits 1 and says how to build one."""
    assert main(["network", "info", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and "network build" in doc["message"]


def test_network_build_proxy_json_then_info(env, capsys, proxy_network) -> None:
    """'network build --proxy --json' prints nodes, edges, km_by_source, dropped, kind."""
    # seed the cache with the session's proxy network (the build itself is tested in
    # test_network.py), so this test checks the command, not the builder's speed
    s = Settings.from_env()
    key = network_cache_key(s, profile="motorbike")
    save_network(proxy_network, s.cache_dir / "networks" / f"proxy-motorbike-{key}")
    assert main(["network", "build", "--proxy", "--profile", "motorbike", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "proxy" and doc["nodes"] == proxy_network.number_of_nodes()
    assert doc["edges"] == proxy_network.number_of_edges()
    assert set(doc["km_by_source"]) == {"national_road", "proxy"}
    assert doc["dropped_nodes"] == 0 and "estimated" in doc["method"]
    assert main(["network", "info"]) == 0
    text = capsys.readouterr().out
    assert "proxy network, profile motorbike" in text and "estimates" in text


def test_network_build_osm_file(env, capsys) -> None:
    """'network build --osm' on a file outside Kon Tum fails clearly (nothing in the province)."""
    code = main(["network", "build", "--osm", pyrosm.get_data("test_pbf"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["error"] == "NetworkError" and "inside the polygon" in doc["message"]
    assert main(["network", "build", "--osm", str(env / "missing.pbf"), "--json"]) == 2
    assert "does not exist" in json.loads(capsys.readouterr().out)["problems"][0]


def test_osm_build_replaces_the_proxy_until_proxy_is_chosen(env, capsys, settings) -> None:
    """After 'build --osm FILE' the default network is that file's; '--proxy' switches back."""
    from dataclasses import replace

    from test_osm import XML

    from geo.network import cached_network

    path = env / "kontum-tiny.osm"
    path.write_text(XML, encoding="utf-8")
    assert main(["network", "build", "--osm", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "osm+proxy"
    s = replace(settings, cache_dir=env / "cache")
    assert cached_network(s).graph["kind"] == "osm+proxy"
    assert cached_network(s, proxy=True).graph["kind"] == "proxy"
    assert main(["network", "build", "--proxy", "--json"]) == 0
    capsys.readouterr()
    assert cached_network(s).graph["kind"] == "proxy"
