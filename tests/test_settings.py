from pathlib import Path

import pytest

from data.errors import InputError, Problem
from data.settings import METRIC_CRS, Settings


def test_from_env_reads_postplan_variables(tmp_path: Path) -> None:
    """POSTPLAN_* variables override the defaults, and the DB URL defaults to SQLite."""
    s = Settings.from_env({"POSTPLAN_DATA_DIR": str(tmp_path), "POSTPLAN_USER_DIR": str(tmp_path)})
    assert s.data_dir == tmp_path.resolve()
    assert s.database_url == f"sqlite:///{tmp_path / 'postplan.sqlite'}"
    assert s.metric_crs == METRIC_CRS


def test_default_data_dir_is_shared_bundle_beside_repo() -> None:
    """Without POSTPLAN_DATA_DIR the bundle is ../shared/data/kontum from the repo root."""
    s = Settings.from_env({})
    assert s.data_dir.parts[-3:] == ("shared", "data", "kontum")


def test_invalid_metric_crs_is_rejected() -> None:
    """A CRS that is not an EPSG code is refused with the fix in the message."""
    with pytest.raises(InputError, match="EPSG:9216"):
        Settings(metric_crs="utm48")


def test_input_error_lists_every_problem() -> None:
    """InputError's message names row, column and value for each problem."""
    err = InputError([Problem("bad kind", row=3, column="kind", value="bank", source="o.csv"),
                      Problem("missing", row=4, column="lat")], summary="o.csv was rejected")
    text = str(err)
    assert "o.csv, row 3, column 'kind', value 'bank': bad kind" in text
    assert "row 4, column 'lat': missing" in text
    assert len(err.problems) == 2
