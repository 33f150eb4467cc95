"""Shared fixtures (keep small; add yours with a minimal edit)."""

from __future__ import annotations

import pytest

from data.settings import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings from the environment: the real Kon Tum bundle unless POSTPLAN_DATA_DIR says else."""
    return Settings.from_env()


@pytest.fixture(scope="session")
def proxy_network(settings: Settings):  # type: ignore[no-untyped-def]
    """The Kon Tum proxy network for the motorbike profile, built once per session (~3 s)."""
    from geo.proxy import build_proxy_network

    return build_proxy_network(settings, profile="motorbike")
