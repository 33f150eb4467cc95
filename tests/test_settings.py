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


def test_import_and_memory_limits_come_from_the_environment() -> None:
    """POSTPLAN_MAX_* set the limits; a non-number or a non-positive value is refused."""
    import pytest

    from data.errors import InputError
    from data.settings import Settings

    s = Settings.from_env({"POSTPLAN_MAX_JOB_ROWS": "500", "POSTPLAN_MAX_FILE_MB": "2.5",
                           "POSTPLAN_MAX_MEMORY_MB": "4096"})
    assert (s.max_job_rows, s.max_file_mb, s.max_memory_mb, s.max_rows) == (500, 2.5, 4096.0,
                                                                             100_000)
    with pytest.raises(InputError, match="POSTPLAN_MAX_ROWS='many' is not a number"):
        Settings.from_env({"POSTPLAN_MAX_ROWS": "many"})
    with pytest.raises(InputError, match="max_job_rows must be positive, got 0"):
        Settings.from_env({"POSTPLAN_MAX_JOB_ROWS": "0"})


def test_login_delays_are_read_and_checked() -> None:
    """POSTPLAN_LOGIN_DELAYS_S sets the four waits; anything else is refused with the fix."""
    assert Settings.from_env({}).login_delays_s == (1, 2, 4, 8)
    assert Settings.from_env({"POSTPLAN_LOGIN_DELAYS_S": "0, 0,0,0"}).login_delays_s == (0, 0, 0, 0)
    with pytest.raises(InputError, match=r"four whole numbers of seconds ≥ 0 .*'1,2,4,8'"):
        Settings.from_env({"POSTPLAN_LOGIN_DELAYS_S": "1,2,x"})
