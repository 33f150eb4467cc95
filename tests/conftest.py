"""Shared fixtures (keep small; add yours with a minimal edit)."""

from __future__ import annotations

import pytest

from data.settings import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings from the environment: the real Kon Tum bundle unless POSTPLAN_DATA_DIR says else."""
    return Settings.from_env()
