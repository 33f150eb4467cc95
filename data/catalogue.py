"""The data catalogue: every bundled file described once, with its hash, licence and source.

The Kon Tum bundle lives outside the repository (``Settings.data_dir``, environment variable
``POSTPLAN_DATA_DIR``; default ``../shared/data/kontum``). Each file is pinned by its
sha256: :func:`dataset_path` verifies it before any loader reads the file, so a missing,
truncated or altered file stops the program with a :class:`~data.errors.DataIntegrityError`
that names the file, the expected and the actual hash, and says how to fix it.

The old→new 2025 commune data comes from the installed PyPI package ``vietnamadminunits``
(pinned to 1.0.4); its files are verified the same way.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from data.errors import DataIntegrityError
from data.settings import Settings

Location = Literal["data_dir", "package"]

#: Where the vietnamadminunits package keeps the files we read.
PACKAGE_NAME = "vietnamadminunits"
PACKAGE_VERSION = "1.0.4"


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset of the bundle.

    Parameters
    ----------
    name
        Short identifier used by the loaders (``dataset_path(name, ...)``).
    file
        File name inside ``Settings.data_dir`` (or, for ``location="package"``, the path
        inside the installed package).
    sha256
        Expected sha256 of the file, lowercase hex.
    licence
        Licence of the content.
    source
        Who made it and how it reached the bundle.
    upstream_url
        The address it came from (raw file at the pinned commit, WorldPop's server, PyPI).
    contents
        What is in it (rows, columns, units).
    location
        ``"data_dir"`` for bundle files, ``"package"`` for files of an installed package.
    fetch_url
        Address from which ``postplan data fetch`` can download these exact bytes, or None
        when the bundle file was derived (clipped, joined, re-encoded) from its upstream and
        only a mirror of the bundle (``--base-url``) can supply it.
    members
        Further ``(path, sha256)`` pairs verified together with the entry (package files).
    licence_vi, source_vi
        ``licence`` and ``source`` in Vietnamese, for the pages (empty: as in English).
    """

    name: str
    file: str
    sha256: str
    licence: str
    source: str
    upstream_url: str
    contents: str
    location: Location = "data_dir"
    fetch_url: str | None = None
    members: tuple[tuple[str, str], ...] = ()
    licence_vi: str = ""
    source_vi: str = ""

    def licence_in(self, lang: str) -> str:
        """Return the licence in ``lang`` (``"vi"`` or ``"en"``)."""
        return (self.licence_vi or self.licence) if lang == "vi" else self.licence

    def source_in(self, lang: str) -> str:
        """Return who made the dataset and how it reached the bundle, in ``lang``."""
        return (self.source_vi or self.source) if lang == "vi" else self.source


@dataclass(frozen=True)
class DatasetStatus:
    """Result of verifying one catalogue entry.

    Parameters
    ----------
    entry
        The catalogue entry.
    path
        Where the file was looked for.
    status
        ``"ok"``, ``"missing"`` or ``"altered"`` (hash mismatch, including truncation).
    actual_sha256
        Hash found on disk (None when missing).
    message
        Empty when ok; otherwise what is wrong and how to fix it.
    """

    entry: DatasetEntry
    path: Path
    status: Literal["ok", "missing", "altered"]
    actual_sha256: str | None
    message: str

    @property
    def ok(self) -> bool:
        """True when the file is present with the expected hash."""
        return self.status == "ok"

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON form for ``postplan data check --json``."""
        e = self.entry
        return {
            "name": e.name,
            "file": e.file,
            "path": str(self.path),
            "status": self.status,
            "sha256": e.sha256,
            "actual_sha256": self.actual_sha256,
            "licence": e.licence,
            "source": e.source,
            "upstream_url": e.upstream_url,
            "contents": e.contents,
            "message": self.message,
        }


_GH = "https://github.com"

CATALOGUE: tuple[DatasetEntry, ...] = (
    DatasetEntry(
        name="communes",
        file="communes_gadm41_census2019.geojson",
        sha256="59e5530cc8341890e7cc82d42d5fc9b203bac4acac8569dc8b51c190e652a6f0",
        licence=(
            "GADM boundaries: free for non-commercial use, no redistribution; "
            "census: public statistics (GSO)"
        ),
        source=(
            "GADM 4.1 level 3 via rexin4n15/vietnam-map-34-provinces @026d337, joined on GID_3 "
            "with the GSO 2019 census via hgscarlette/vn-demographic @bfc5508"
        ),
        upstream_url=(
            f"{_GH}/rexin4n15/vietnam-map-34-provinces/blob/026d337/"
            "src/core/assets/provinces/quang-ngai.json ; "
            f"{_GH}/hgscarlette/vn-demographic/blob/bfc5508/VN_Population_ward.csv"
        ),
        contents=(
            "102 pre-2025 communes (MultiPolygon, EPSG:4326): GID_3, NAME_2 (district), "
            "NAME_3 (GADM spelling without spaces), TYPE_3, 2019 census total/urban/rural "
            "(sum 540,438)"
        ),
        licence_vi=(
            "Ranh giới GADM: dùng miễn phí cho mục đích phi thương mại, không phân phối lại; điều"
            " tra dân số: số liệu thống kê công khai (Tổng cục Thống kê)"
        ),
        source_vi=(
            "GADM 4.1 cấp xã qua kho rexin4n15/vietnam-map-34-provinces @026d337, ghép với điều "
            "tra dân số 2019 của Tổng cục Thống kê qua kho hgscarlette/vn-demographic @bfc5508"
        ),
    ),
    DatasetEntry(
        name="districts",
        file="districts.geojson",
        sha256="9e119cd94e3873a6e7c53a42e771a56ccef329ac2acf5137526e5b1a5509be62",
        licence="GPL-3.0",
        source="daohoangson/dvhcvn @4b1b6b5 (from the government map service)",
        upstream_url=f"{_GH}/daohoangson/dvhcvn/blob/4b1b6b5/data/gis/62.json",
        contents="10 district-level units as of 2025-03-01 (MultiPolygon): level2_id, name",
        source_vi="kho daohoangson/dvhcvn @4b1b6b5 (lấy từ dịch vụ bản đồ của Chính phủ)",
    ),
    DatasetEntry(
        name="commune_points",
        file="commune_points_legacy.csv",
        sha256="e748bd3c1fb55019db11774d011ccd375bcc75cb567060e75a58eba0f797bc68",
        licence="MIT",
        source=(
            "PyPI vietnamadminunits==1.0.4, table admin_units_legacy of data/dataset.db "
            "(geocoded commune centres, not surveyed office positions)"
        ),
        upstream_url="https://pypi.org/project/vietnamadminunits/1.0.4/",
        contents=(
            "102 rows: district, ward (with diacritics), wardCode (GSO), wardLat, wardLon, "
            "wardBounds"
        ),
        source_vi=(
            "gói PyPI vietnamadminunits 1.0.4, bảng đơn vị hành chính cũ trong data/dataset.db "
            "(điểm trung tâm xã mã hóa địa lý, không phải vị trí bưu cục khảo sát)"
        ),
    ),
    DatasetEntry(
        name="worldpop",
        file="worldpop_vnm_2020_1km.tif",
        sha256="55cc3fb948c9afec65d674f3ae43f2e47c7cdd2ab89e232b66d52959dcc92415",
        licence="CC BY 4.0 (WorldPop)",
        source=(
            "WorldPop vnm_ppp_2020_1km_Aggregated_UNadj.tif as kept in "
            "kraemer-lab/geoglue @3399c07"
        ),
        upstream_url=(
            "https://data.worldpop.org/GIS/Population/Global_2000_2020_1km_UNadj/2020/VNM/"
            "vnm_ppp_2020_1km_Aggregated_UNadj.tif"
        ),
        contents=(
            "WorldPop 2020 population counts per 1 km cell, UN-adjusted, all Vietnam "
            "(GeoTIFF float32, 1781 x 879, nodata -99999)"
        ),
        fetch_url=(
            "https://raw.githubusercontent.com/kraemer-lab/geoglue/"
            "3399c07a73a556a06c0a73328e2ea471be58abf3/data/VNM/worldpop/"
            "vnm_ppp_2020_1km_Aggregated_UNadj.tif"
        ),
        licence_vi="CC BY 4.0 (WorldPop)",
        source_vi=(
            "lưới dân số WorldPop 2020 (1 km, hiệu chỉnh theo Liên Hợp Quốc) như lưu trong kho "
            "kraemer-lab/geoglue @3399c07"
        ),
    ),
    DatasetEntry(
        name="pois",
        file="osm_poi_2026.geojson",
        sha256="46add6d41f7210fbdecaf614acbec20ccd6c49bbab548e95f89bd05543b1fff3",
        licence="ODbL 1.0 (© OpenStreetMap contributors)",
        source=(
            "Humanitarian OpenStreetMap Team export hotosm_vnm_points_of_interest dated "
            "2026-08-10, as shipped in PyPI geoclip-vietnam==1.0.2, clipped to Kon Tum"
        ),
        upstream_url="https://pypi.org/project/geoclip-vietnam/1.0.2/",
        contents=(
            "497 OSM points of interest (amenity, shop, tourism ...), osm_id, osm_type, tags; "
            "2 amenity=post_office 'Vietnam Post', 21 community_centre"
        ),
        licence_vi="ODbL 1.0 (© những người đóng góp OpenStreetMap)",
        source_vi=(
            "bản xuất điểm quan tâm Việt Nam của Humanitarian OpenStreetMap Team ngày 10/08/2026,"
            " như trong gói PyPI geoclip-vietnam 1.0.2, cắt theo Kon Tum"
        ),
    ),
    DatasetEntry(
        name="national_roads",
        file="national_roads.geojson",
        sha256="50fd14eae0ef8afbd183430714391d3ebe129f9bf077eb0d2bc7a1dd80c95d9c",
        licence="CC BY-SA 4.0",
        source="CTU-SematX/LegoCity @e37353d, clipped to the province",
        upstream_url=f"{_GH}/CTU-SematX/LegoCity/blob/e37353d/opendata/giaothong/giaothong.geojson",
        contents="5 national-highway lines (QL14, QL14C, QL24, QL40; 337 km): ten, cap_duong",
        source_vi="kho CTU-SematX/LegoCity @e37353d, cắt theo tỉnh",
    ),
    DatasetEntry(
        name="sources",
        file="SOURCES.md",
        sha256="46a8fd64eb766e8764515d9de0a907ca5611b9feecedbb5b65ecc9bc55da5cfa",
        licence="same as the files it describes",
        source="the bundle's own description",
        upstream_url="(bundle README; no upstream)",
        contents="What each bundle file is, where it came from, its licence, and what is missing",
        licence_vi="như các tệp mà nó mô tả",
        source_vi="mô tả của chính gói dữ liệu",
    ),
    DatasetEntry(
        name="vietnamadminunits",
        file="data/dataset.db",
        sha256="147cbbf81c8964bb594e1dda7ebab5649bce21efbfd6cb508cab7fefca62257d",
        licence="MIT",
        source=f"PyPI {PACKAGE_NAME}=={PACKAGE_VERSION} (installed package)",
        upstream_url=f"https://pypi.org/project/{PACKAGE_NAME}/{PACKAGE_VERSION}/",
        contents=(
            "SQLite: admin_units (2025 units: names, codes, points, areas), "
            "admin_units_legacy (pre-2025 units); plus data/converter_2025.json "
            "(old→new ward lists per province)"
        ),
        location="package",
        members=(
            (
                "data/converter_2025.json",
                "84f0848bf401b047775cbb49768c181a9271f77e4a4ec706d293b09bcb4faddd",
            ),
        ),
        source_vi="gói PyPI vietnamadminunits 1.0.4 (đã cài)",
    ),
)


def get_entry(name: str) -> DatasetEntry:
    """Return the catalogue entry called ``name``.

    Raises
    ------
    KeyError
        When no entry has that name (the message lists the known names).
    """
    for entry in CATALOGUE:
        if entry.name == name:
            return entry
    known = ", ".join(e.name for e in CATALOGUE)
    raise KeyError(f"no dataset called {name!r}; known datasets: {known}")


def package_dir() -> Path:
    """Folder of the installed ``vietnamadminunits`` package.

    Raises
    ------
    DataIntegrityError
        When the package is not installed.
    """
    spec = importlib.util.find_spec(PACKAGE_NAME)
    if spec is None or not spec.submodule_search_locations:
        raise DataIntegrityError(
            f"the Python package {PACKAGE_NAME} is not installed; "
            f"fix: pip install {PACKAGE_NAME}=={PACKAGE_VERSION}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def sha256_file(path: Path, *, chunk_size: int = 1 << 20) -> str:
    """Return the lowercase hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            h.update(block)
    return h.hexdigest()


def _entry_path(entry: DatasetEntry, settings: Settings, file: str | None = None) -> Path:
    rel = file or entry.file
    if entry.location == "package":
        return package_dir() / rel
    return Path(settings.data_dir) / rel


def _fix_hint(entry: DatasetEntry, settings: Settings) -> str:
    if entry.location == "package":
        return (
            f"reinstall the package: pip install --force-reinstall "
            f"{PACKAGE_NAME}=={PACKAGE_VERSION}"
        )
    return (
        f"restore the original file from the Kon Tum bundle (../shared/data/kontum), point "
        f"POSTPLAN_DATA_DIR at a folder with the original bundle (now {settings.data_dir}), "
        f"or run `postplan data fetch` when online"
    )


def _verify_one(entry: DatasetEntry, settings: Settings) -> DatasetStatus:
    checks = [(entry.file, entry.sha256), *entry.members]
    main_path = _entry_path(entry, settings)
    first_actual: str | None = None
    for i, (rel, expected) in enumerate(checks):
        path = _entry_path(entry, settings, rel)
        if not path.is_file():
            msg = (
                f"{entry.name}: file {path} is missing (expected sha256 {expected}); "
                f"fix: {_fix_hint(entry, settings)}"
            )
            return DatasetStatus(entry, main_path, "missing", None, msg)
        actual = sha256_file(path)
        if i == 0:
            first_actual = actual
        if actual != expected:
            msg = (
                f"{entry.name}: file {path} is altered or truncated: expected sha256 "
                f"{expected}, actual sha256 {actual} ({path.stat().st_size} bytes); "
                f"fix: {_fix_hint(entry, settings)}"
            )
            return DatasetStatus(entry, main_path, "altered", actual, msg)
    return DatasetStatus(entry, main_path, "ok", first_actual, "")


def verify(name: str, settings: Settings) -> DatasetStatus:
    """Verify one catalogue entry against its recorded hash (never raises on mismatch)."""
    return _verify_one(get_entry(name), settings)


def verify_all(settings: Settings) -> list[DatasetStatus]:
    """Verify every catalogue entry; return one status per entry, in catalogue order."""
    return [_verify_one(entry, settings) for entry in CATALOGUE]


def dataset_path(name: str, settings: Settings, *, verify: bool = True) -> Path:
    """Return the path of dataset ``name``, verified against its sha256.

    Parameters
    ----------
    name
        Catalogue name, e.g. ``"communes"`` or ``"worldpop"``.
    settings
        Settings giving ``data_dir``.
    verify
        Check the hash first (default). Pass False only when the caller verifies itself.

    Raises
    ------
    DataIntegrityError
        When the file is missing, truncated or altered; the message names the file, the
        expected and the actual hash, and the fix.
    """
    entry = get_entry(name)
    if verify:
        status = _verify_one(entry, settings)
        if not status.ok:
            raise DataIntegrityError(status.message)
        return status.path
    return _entry_path(entry, settings)
