"""app.catalogues: the gettext catalogues match the code, are complete and compile."""

from __future__ import annotations

import gettext
import io
import os
import shutil
from pathlib import Path

import pytest

from app.catalogues import (
    check,
    compiled,
    extract_keys,
    extracted_keys,
    placeholders,
    po_path,
    read_catalogue,
)

HEADER = '''msgid ""
msgstr ""
"Language: {lang}\\n"
"Content-Type: text/plain; charset=utf-8\\n"

'''


def _entry(key: str, text: str, note: str = "", flags: str = "") -> str:
    out = f"#. {note}\n" if note else ""
    out += f"#, {flags}\n" if flags else ""
    return out + f'msgid "{key}"\nmsgstr "{text}"\n\n'


def _project(root: Path, code: str, vi: str, en: str, pot_keys: list[str]) -> None:
    """Write a tiny project: app/page.py and its three catalogues."""
    (root / "app" / "locale").mkdir(parents=True)
    (root / "app" / "page.py").write_text(code, encoding="utf-8")
    (root / "streamlit_app.py").write_text("", encoding="utf-8")
    pot = HEADER.format(lang="") + "".join(_entry(k, "") for k in pot_keys)
    (root / "app" / "locale" / "postplan.pot").write_text(pot, encoding="utf-8")
    for lang, body in (("vi", vi), ("en", en)):
        po_path(lang, root=root).parent.mkdir(parents=True)
        po_path(lang, root=root).write_text(HEADER.format(lang=lang) + body, encoding="utf-8")


def test_the_real_catalogues_have_no_problem() -> None:
    """Every key used in the code is in both catalogues: none fuzzy, empty or mismatched."""
    assert check() == []


def test_every_key_of_the_code_has_a_text_in_both_languages() -> None:
    """Each extracted key has a non-empty, different-from-key text in vi and en."""
    used = extracted_keys()
    assert len(used) > 250
    for lang in ("vi", "en"):
        cat = read_catalogue(po_path(lang), lang=lang)
        for key in used:
            msg = cat.get(key)
            assert msg is not None and msg.string and msg.string != key, (lang, key)


def test_extraction_reads_keys_inside_fstrings_and_n_markers() -> None:
    """``f"**{t('a.b')}**"`` and ``N_("c.d")`` are found; a variable key is not."""
    src = b'x = f"**{t(\'a.b\')}**"\ny = {"k": N_("c.d")}\nz = t(name)\nw = md_t("e.f", n=1)\n'
    rows = extract_keys(io.BytesIO(src), ["t", "md_t", "N_"], (), {})
    found = [(line, key) for line, _f, key, _c in rows]
    assert sorted(found) == [(1, "a.b"), (2, "c.d"), (4, "e.f")]


def test_check_reports_missing_fuzzy_empty_placeholder_and_built_keys(tmp_path: Path) -> None:
    """A broken tiny project: each fault is named once, with its key and language."""
    code = 't("a.one", n=1)\nt("a.two")\nt("a.three")\nt(f"a.{x}")\n'
    vi = (
        _entry("a.one", "Một {n}", note="en: One {n}")
        + _entry("a.two", "Hai", note="en: Two", flags="fuzzy")
        + _entry("a.three", "", note="en: Three")
    )
    en = (
        _entry("a.one", "One {count}", note="vi: Một {n}")
        + _entry("a.two", "Two", note="vi: Hai")
    )
    _project(tmp_path, code, vi, en, ["a.one", "a.three", "a.two"])
    problems = check(root=tmp_path)
    assert problems == [
        "app/page.py:4: t(f'a.{x}') builds its key at run time; use N_() literals",
        "vi/LC_MESSAGES/postplan.po: 'a.two' is fuzzy; check the text, drop the flag",
        "vi/LC_MESSAGES/postplan.po: 'a.three' has no text; write it",
        "en/LC_MESSAGES/postplan.po: key 'a.three' (used in app/page.py) is missing"
        " (run: python -m app.catalogues update)",
        "'a.one': placeholders differ: vi ['n'], en ['count']",
        "vi: the note of 'a.one' is stale (run: python -m app.catalogues update)",
        "vi: the note of 'a.three' is stale (run: python -m app.catalogues update)",
    ]


def test_check_reports_a_template_out_of_date(tmp_path: Path) -> None:
    """A key in the code but not in the template, and one in it but gone from the code."""
    vi = _entry("a.one", "Một", note="en: One")
    en = _entry("a.one", "One", note="vi: Một")
    _project(tmp_path, 't("a.one")\nt("a.new")\n', vi, en, ["a.gone", "a.one"])
    problems = check(root=tmp_path)
    assert problems[0] == (
        "postplan.pot is out of date: lacks ['a.new'], has ['a.gone']"
        " (run: python -m app.catalogues update)"
    )


def test_placeholders_are_the_format_names() -> None:
    """``{n}`` and ``{name:>3}`` count; ``{{`` is a literal brace."""
    assert placeholders("{n} việc, {name:>3} {{x}}") == {"n", "name"}


def test_compiled_builds_the_mo_and_rebuilds_it_when_the_po_is_newer(tmp_path: Path) -> None:
    """First use writes postplan.mo; an edited .po (newer) is compiled again."""
    po = po_path("vi", root=tmp_path)
    po.parent.mkdir(parents=True)
    po.write_text(HEADER.format(lang="vi") + _entry("a.one", "Một"), encoding="utf-8")
    data = compiled("vi", root=tmp_path)
    assert po.with_suffix(".mo").read_bytes() == data
    assert gettext.GNUTranslations(io.BytesIO(data)).gettext("a.one") == "Một"
    po.write_text(HEADER.format(lang="vi") + _entry("a.one", "Một nữa"), encoding="utf-8")
    stamp = po.with_suffix(".mo").stat().st_mtime
    os.utime(po, (stamp + 5, stamp + 5))
    again = gettext.GNUTranslations(io.BytesIO(compiled("vi", root=tmp_path)))
    assert again.gettext("a.one") == "Một nữa"


def test_compiled_leaves_fuzzy_entries_out(tmp_path: Path) -> None:
    """A fuzzy text is not used (the key shows), as ``pybabel compile`` does."""
    po = po_path("vi", root=tmp_path)
    po.parent.mkdir(parents=True)
    po.write_text(HEADER.format(lang="vi") + _entry("a.one", "Một", flags="fuzzy"), "utf-8")
    cat = gettext.GNUTranslations(io.BytesIO(compiled("vi", root=tmp_path)))
    assert cat.gettext("a.one") == "a.one"


def test_compiled_without_a_po_says_so(tmp_path: Path) -> None:
    """A language without a catalogue is an error naming the missing file."""
    with pytest.raises(FileNotFoundError, match=r"xx/LC_MESSAGES/postplan\.po"):
        compiled("xx", root=tmp_path)


def test_a_clean_copy_of_the_catalogues_compiles(tmp_path: Path) -> None:
    """From a clean clone (no .mo files) each language compiles and translates."""
    for lang in ("vi", "en"):
        dest = po_path(lang, root=tmp_path)
        dest.parent.mkdir(parents=True)
        shutil.copy(po_path(lang), dest)
    vi = gettext.GNUTranslations(io.BytesIO(compiled("vi", root=tmp_path)))
    en = gettext.GNUTranslations(io.BytesIO(compiled("en", root=tmp_path)))
    assert vi.gettext("nav.dispatch") == "Điều phối"
    assert en.gettext("nav.dispatch") == "Dispatch"
