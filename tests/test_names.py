import ast
from pathlib import Path

import pytest

from data import layers, names
from data.errors import InputError
from data.names import find_communes, name_key, normalise_name, pick_commune, split_joined_name
from data.settings import Settings


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ĐắkChoong", "Đắk Choong"),
        ("Đăk Choong", "dak choong"),
        ("Ngọk Bay", "Ngọc Bay"),
        ("Kon Plông", "Kon Plong"),
        ("KON  PLÔNG", "konplong"),
        ("Ya ly", "Yaly"),
        ("IaH'Drai", "Ia H' Drai"),
    ],
)
def test_normalise_name_unifies_spellings(a: str, b: str) -> None:
    """Diacritics, case, spacing, punctuation and Đăk/Đắk, Ngọk/Ngọc variants do not matter."""
    assert normalise_name(a) == normalise_name(b)


def test_normalise_name_keeps_different_names_apart() -> None:
    """Distinct names stay distinct, and the unit type is kept unless name_key drops it."""
    assert normalise_name("Đăk Tô") != normalise_name("Đăk Tờ Re")
    assert normalise_name("Xã Đăk Choong") == "xadakchoong"
    assert name_key("Xã Đăk Choong") == "dakchoong"
    assert name_key("Thị trấn Đăk Hà") == "dakha"
    assert name_key("Xã Xốp") == "xop"
    assert name_key("Thành phố Kon Tum") == "kontum"


def test_split_joined_name_restores_spaces() -> None:
    """GADM's joined spellings get their spaces back."""
    assert split_joined_name("ĐắkChoong") == "Đắk Choong"
    assert split_joined_name("TuMơRông") == "Tu Mơ Rông"


def test_new_mapping_has_40_units(settings: Settings) -> None:
    """The 102 old communes map to exactly 40 July-2025 units, none split."""
    m = layers.commune_mapping(settings)
    assert len(m) == 102
    assert m["new_commune_code"].nunique() == 40
    assert not m["new_commune_split"].any()
    c = layers.load_communes(settings)
    assert c["new_commune_code"].nunique() == 40
    assert c["new_commune_name"].notna().all()


@pytest.mark.parametrize(
    ("old_code", "new_name", "new_code"),
    [
        ("23281", "Phường Kon Tum", "23293"),  # Phường Quang Trung
        ("23377", "Xã Bờ Y", "23377"),  # Thị trấn Plei Kần
        ("23488", "Xã Kon Braih", "23497"),  # Xã Đăk Ruồng
        ("23368", "Xã Đăk Long", "23368"),  # Xã Đăk Long (Đắk Glei), unchanged
        ("23473", "Xã Măng Đen", "23473"),  # Thị trấn Măng Đen
        ("23537", "Xã Ia Tơi", "23538"),  # Xã Ia Dom
    ],
)
def test_known_old_to_new_mappings(settings: Settings, old_code: str, new_name: str,
                                   new_code: str) -> None:
    """Known merges from vietnamadminunits' converter are reproduced."""
    row = layers.load_communes(settings).set_index("commune_code").loc[old_code]
    assert (row["new_commune_name"], row["new_commune_code"]) == (new_name, new_code)


def test_new_communes_layer(settings: Settings) -> None:
    """The 40 dissolved 2025 units keep the census total; Phường Kon Tum merges 5 wards."""
    n = layers.load_new_communes(settings)
    assert len(n) == 40 and int(n["population"].sum()) == 540_438
    kt = n.set_index("new_commune_name").loc["Phường Kon Tum"]
    assert kt["old_commune_count"] == 5 and kt["population"] == 62_608
    assert int(n["old_commune_count"].sum()) == 102


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("ĐắkChoong", "23356"),
        ("dak choong", "23356"),
        ("Xã Đăk Choong", "23356"),
        ("23356", "23356"),
        ("ngoc bay", "23317"),
        ("Plei Kan", "23377"),
        ("Kon Braih", "23497"),  # new 2025 name → the old commune whose code it kept
        ("phuong kon tum", "23293"),
        ("Đắk Long, Kon Plong", "23473"),  # GADM's name for Măng Đen, narrowed by district
        ("Đắk Long, Đắk Glei", "23368"),
    ],
)
def test_pick_commune(settings: Settings, query: str, code: str) -> None:
    """pick_commune matches old names, new names, GADM spellings and codes."""
    assert pick_commune(query, layers.load_communes(settings))["commune_code"] == code


def test_find_communes_lists_all_old_units_of_a_new_name(settings: Settings) -> None:
    """A 2025 name returns every old commune merged into it, marked matched_on=new_name."""
    hits = find_communes("Xã Măng Ri", layers.load_communes(settings))
    assert sorted(hits["commune_code"]) == ["23404", "23410", "23413", "23446", "23449"]
    assert hits.set_index("commune_code").loc["23410", "matched_on"] == "name"


def test_pick_commune_ambiguous_and_unknown(settings: Settings) -> None:
    """A name shared by several old communes, or an unknown name, is an InputError with a fix."""
    communes = layers.load_communes(settings)
    with pytest.raises(InputError, match=r"matches 3 communes.*add the district"):
        pick_commune("Đắk Long", communes)
    with pytest.raises(InputError, match="no commune matches 'Atlantis'"):
        pick_commune("Atlantis", communes)


def test_names_module_reads_no_data() -> None:
    """data.names imports no data loader, so data.layers → data.names is not a circle."""
    tree = ast.parse(Path(names.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.startswith("data.")} - {"data.errors"}
