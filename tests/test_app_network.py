"""The app's road network (app.network): read once at server start, found by the page."""

from __future__ import annotations

import logging

import networkx as nx
import pytest

from app import network as appnet
from app import state as ss
from data.settings import Settings
from data.vehicles import DEFAULT_PROFILE


def test_preload_reads_the_network_once_and_the_page_finds_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The start-up thread reads the default network; the page's next call reads nothing."""
    import geo.network

    reads: list[str] = []
    real = geo.network.cached_network

    def counted(settings: Settings, *, profile: str) -> nx.MultiDiGraph:
        reads.append(profile)
        return real(settings, profile=profile)

    monkeypatch.setattr(geo.network, "cached_network", counted)
    appnet.base_network.clear()
    appnet._preloading.clear()
    thread = appnet.preload()
    thread.join(120)
    assert not thread.is_alive()
    assert reads == [DEFAULT_PROFILE]
    assert appnet.preload() is thread  # once per server: a second session starts nothing
    G = appnet.base_network(ss.data_key(ss.get_settings()), DEFAULT_PROFILE)
    assert reads == [DEFAULT_PROFILE] and G.number_of_nodes() > 1000


def test_a_failed_preload_is_logged_and_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    """An unknown profile: the thread logs a warning and ends; the page reports it later."""
    appnet.base_network.clear()
    appnet._preloading.clear()
    with caplog.at_level(logging.WARNING, logger="app.network"):
        thread = appnet.preload("hovercraft")
        thread.join(60)
    assert not thread.is_alive()
    assert "reading the hovercraft network at start-up failed" in caplog.text
