"""What a page shows as text under AppTest, and what in it is not Vietnamese.

:func:`shown_texts` collects every visible label, caption, header, markdown, option,
metric, tab and expander label, table column header and text cell of an ``AppTest`` run;
:func:`untranslated` flags those that are English or raw ids. The English vocabulary is
taken from the English catalogue (words it has that the Vietnamese one never uses) and
from the code values the app must never show raw (vehicle profiles, office kinds, sources,
solver statuses, OSM road classes, …).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from app.catalogues import po_path, read_catalogue

#: Proto fields that hold text a user reads.
_TEXT_FIELDS = ("label", "body", "help", "placeholder", "options", "delta", "caption")
#: Elements whose content is not text a user reads as a label (maps, raw HTML/JS).
_SKIP = {"component_instance", "iframe", "html", "json", "code", "exception", "event"}

#: Proper names, units, formats and the language switch: allowed as they are.
ALLOWED_PHRASES = (
    "Vietnam Post", "OpenStreetMap", "OSM", "WorldPop", "GADM", "GSO", "OsmAnd",
    "Organic Maps", "GeoJSON", "GEOJSON", "GPX", "PDF", "XLSX", "CSV", "GIS", "QR", "Excel",
    "English", "MCLP", "p-median", "km/h", "km", "vietnamadminunits", "Decision",
)  # fmt: skip
#: File names (``jobs_template.csv``), paths and repositories (``data/dataset.db``,
#: ``nodes/135…``), inline code and postplan commands are allowed as written.
_ALLOWED_RE = re.compile(
    r"[\w.\-]+\.(?:csv|xlsx|json|geojson|gpx|pdf|osc|osm|pbf|tif|gpkg|ini|md|db)\b"
    r"|[\w.\-]+(?:/[\w.\-@]+)+"
    r"|`[^`]*`"
    r"|\bpostplan(?: [a-z][a-z-]*)*"
)
#: Columns of ids (``office_id``): their cells are codes by design.
_ID_COLUMN = re.compile(r"(?:^|_)id$")
#: A snake_case code (``site_id``, ``post_office``).
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: A raw id in running text (``commune-23327``, ``new-1``).
_RAW_ID = re.compile(r"\b[a-z]+-\d+\b")
#: A catalogue key shown instead of its text (``dispatch.plan_btn``).
_KEY = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")
#: An ISO date (the pages print dd/mm/yyyy).
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_WORD = re.compile(r"[A-Za-z]{3,}")


@dataclass(frozen=True)
class Shown:
    """One text a page shows: where (element type and field) and the text."""

    where: str
    text: str
    cell: bool = False


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _strings(proto: Any) -> Iterator[tuple[str, str]]:
    if not hasattr(proto, "ListFields"):
        return
    for field, value in proto.ListFields():
        if field.type == field.TYPE_STRING and field.name in _TEXT_FIELDS:
            values = [value] if isinstance(value, str) else list(value)
            for v in values:
                yield field.name, v
        elif field.type == field.TYPE_MESSAGE and hasattr(value, "ListFields"):
            for name, v in _strings(value):
                yield f"{field.name}.{name}", v


def _plain(text: str) -> str:
    """Markdown/HTML as read on screen: tags dropped, escapes and entities resolved."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\\(.)", r"\1", text)
    return html.unescape(text).replace("\u2060", "")


def _table(node: Any, where: str) -> Iterator[Shown]:
    try:
        frame = node.value
    except Exception:  # an element AppTest cannot decode is not a table
        return
    if not isinstance(frame, pd.DataFrame):
        return
    config = json.loads(getattr(node.proto, "columns", "") or "{}")
    for col in frame.columns:
        conf = config.get(str(col), {})
        if conf.get("hidden"):
            continue
        yield Shown(f"{where} column", str(conf.get("label") or col))
        type_config = conf.get("type_config", {})
        for option in type_config.get("options", []) or []:
            label = option.get("label", option) if isinstance(option, dict) else option
            yield Shown(f"{where} column {col!r} option", str(label))
        if type_config.get("type") == "selectbox" and type_config.get("options"):
            continue  # the cells show the options' labels
        if _ID_COLUMN.search(str(col)):
            continue
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            for value in frame[col].dropna().astype(str).unique()[:200]:
                yield Shown(f"{where} column {col!r} cell", value, cell=True)


def shown_texts(at: AppTest) -> list[Shown]:
    """Every text the current run of ``at`` shows (main area and sidebar)."""
    out: list[Shown] = []
    for node in _walk(at._tree):
        kind = str(getattr(node, "type", ""))
        if kind in _SKIP:
            continue
        if kind in ("dataframe", "arrow_data_frame", "table"):
            out += _table(node, kind)
            continue
        proto = getattr(node, "proto", None)
        for name, value in _strings(proto):
            if value.strip():
                out.append(Shown(f"{kind} {name}", _plain(value)))
        if kind in ("text_input", "text_area") and getattr(node, "value", None):
            out.append(Shown(f"{kind} value", str(node.value)))
        # a box left without a placeholder shows Streamlit's own English one in the browser
        empty_box = kind == "multiselect" or (kind == "selectbox"
                                              and getattr(node, "index", 0) is None)
        if empty_box and proto is not None and not getattr(proto, "placeholder", ""):
            out.append(Shown(f"{kind} placeholder (Streamlit's default)", "Choose options"))
    return out


def english_catalogue() -> tuple[set[str], set[str]]:
    """(English texts that differ from their Vietnamese, English-only words)."""
    vi = {m.id: str(m.string) for m in read_catalogue(po_path("vi")) if m.id}
    en = {m.id: str(m.string) for m in read_catalogue(po_path("en")) if m.id}
    texts = {en[k] for k in en if en[k] and en[k] != vi.get(k)}

    def words(text: str) -> set[str]:
        return {w.lower() for w in _WORD.findall(re.sub(r"\{[^}]*\}", " ", text))}

    vi_words = set().union(*(words(v) for v in vi.values()))
    en_words = set().union(*(words(e) for e in en.values()))
    return texts, {w for w in en_words - vi_words if len(w) >= 4}


def untranslated(
    shown: Iterable[Shown], *, english_texts: set[str], english_words: set[str],
    names: set[str],
) -> list[str]:
    """Each shown text that is English or a raw id, with where it was and why.

    ``names`` are words of proper names from the data (communes, districts, offices) that
    may look English (``Long``) and are allowed.
    """
    problems = []
    for s in shown:
        text = s.text.strip()
        if not text:
            continue
        why = ""
        rest = _ALLOWED_RE.sub(" ", text)
        for phrase in ALLOWED_PHRASES:
            rest = rest.replace(phrase, " ")
        if text in english_texts:
            why = "an English catalogue text"
        elif _KEY.match(rest.strip()):
            why = "a catalogue key without text"
        else:
            if m := _SNAKE.search(rest):
                why = f"the code {m.group()!r}"
            elif not s.cell and (m := _RAW_ID.search(rest)):
                why = f"the raw id {m.group()!r}"
            elif m := _ISO_DATE.search(rest):
                why = f"the ISO date {m.group()!r} (pages print dd/mm/yyyy)"
            else:
                bad = [w for w in _WORD.findall(rest)
                       if w.lower() in english_words and w.lower() not in names]
                if bad:
                    why = f"English word(s) {bad}"
        if why:
            problems.append(f"{s.where}: {text[:90]!r} — {why}")
    return sorted(set(problems))
