import shutil
from pathlib import Path

import pytest

from data.catalogue import CATALOGUE, dataset_path, get_entry, sha256_file, verify_all
from data.errors import DataIntegrityError
from data.settings import Settings


def _copy_bundle(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for entry in CATALOGUE:
        if entry.location == "data_dir":
            shutil.copy(src / entry.file, dst / entry.file)
    return dst


def test_catalogue_describes_every_bundle_file_once(settings: Settings) -> None:
    """Each file in the bundle folder has exactly one entry, with licence, source and URL."""
    files = sorted(p.name for p in settings.data_dir.iterdir() if p.is_file())
    described = sorted(e.file for e in CATALOGUE if e.location == "data_dir")
    assert described == files
    names = [e.name for e in CATALOGUE]
    assert len(names) == len(set(names))
    for e in CATALOGUE:
        assert e.licence and e.source and e.upstream_url and e.contents
        assert len(e.sha256) == 64


def test_package_entry_pins_vietnamadminunits_dataset() -> None:
    """The PyPI package is an entry whose hash is its dataset.db (plus the converter JSON)."""
    entry = get_entry("vietnamadminunits")
    assert entry.location == "package"
    assert entry.file == "data/dataset.db"
    assert [m[0] for m in entry.members] == ["data/converter_2025.json"]
    assert "1.0.4" in entry.upstream_url


def test_real_bundle_verifies(settings: Settings) -> None:
    """Every entry of the real bundle and the installed package matches its sha256."""
    statuses = verify_all(settings)
    assert [s.status for s in statuses] == ["ok"] * len(CATALOGUE)
    assert dataset_path("worldpop", settings).name == "worldpop_vnm_2020_1km.tif"


def test_altered_file_names_file_hashes_and_fix(settings: Settings, tmp_path: Path) -> None:
    """A byte changed in a copied bundle gives an error with file, both hashes and the fix."""
    bundle = _copy_bundle(settings.data_dir, tmp_path / "bundle")
    target = bundle / "commune_points_legacy.csv"
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[100] = ord("X") if data[100] != ord("X") else ord("Y")
    target.write_bytes(bytes(data))
    actual = sha256_file(target)
    altered = Settings.from_env({"POSTPLAN_DATA_DIR": str(bundle)})
    expected = get_entry("commune_points").sha256
    with pytest.raises(DataIntegrityError, match="altered or truncated") as info:
        dataset_path("commune_points", altered)
    text = str(info.value)
    assert str(target) in text and expected in text and actual in text
    assert "POSTPLAN_DATA_DIR" in text and "postplan data fetch" in text
    by_name = {s.entry.name: s.status for s in verify_all(altered)}
    assert by_name["commune_points"] == "altered"
    assert by_name["communes"] == "ok"


def test_truncated_and_missing_files_are_reported(settings: Settings, tmp_path: Path) -> None:
    """A truncated file counts as altered; a deleted one as missing, with the expected hash."""
    bundle = _copy_bundle(settings.data_dir, tmp_path / "bundle")
    tif = bundle / "worldpop_vnm_2020_1km.tif"
    tif.chmod(0o644)
    tif.write_bytes(tif.read_bytes()[:1000])
    (bundle / "districts.geojson").unlink()
    s = Settings(data_dir=bundle)
    with pytest.raises(DataIntegrityError, match="1000 bytes"):
        dataset_path("worldpop", s)
    with pytest.raises(DataIntegrityError, match=r"districts.geojson is missing .*9e119cd9"):
        dataset_path("districts", s)


def test_every_dataset_is_described_in_vietnamese_too() -> None:
    """Pages show licence and source in Vietnamese; the English stays for the CLI and JSON."""
    assert all(e.source_vi for e in CATALOGUE)
    communes = get_entry("communes")
    assert communes.licence_in("vi").startswith("Ranh giới GADM: dùng miễn phí")
    assert communes.licence_in("en").startswith("GADM boundaries: free for non-commercial use")
    assert get_entry("districts").licence_in("vi") == "GPL-3.0"
