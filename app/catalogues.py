"""The gettext catalogues behind :func:`app.i18n.t`: compiled, extracted, updated, checked.

``app/locale/postplan.pot`` is the template extracted from the code; every language has
``app/locale/<lang>/LC_MESSAGES/postplan.po``. Message ids are the stable keys the code
uses (``dispatch.plan``); each catalogue holds that language's text, and a note with the
other language's text so a translator in Poedit sees both. The ``.mo`` files are not in
git: :func:`compiled` builds one from its ``.po`` on first use (and again whenever the
``.po`` is newer), keeping it beside the ``.po`` when that folder is writable.

Developers run ``python -m app.catalogues update`` after adding or removing a label (it
runs ``pybabel extract`` and ``pybabel update`` with the options below, then refreshes the
notes), fill in the empty texts, and ``python -m app.catalogues check``.
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import re
import string
import sys
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
REPO_DIR = LOCALE_DIR.parent.parent
DOMAIN = "postplan"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
#: The catalogue languages; Vietnamese first (the app's default).
CATALOGUE_LANGUAGES = ("vi", "en")
#: The functions whose first (string) argument is a message key.
KEYWORDS = ("t:1", "md_t:1", "N_:1")
#: What extraction reads (relative to the repository) and with which mapping.
SOURCES = ("app", "streamlit_app.py")
MAPPING_FILE = "babel.cfg"
HEADER_COMMENT = (
    "# Labels of postplan (msgid = the key used in the code; see ARCHITECTURE.md,\n"
    '# "Adding a label"). This file is distributed under the same license as postplan.'
)
#: A note holding the other language's text starts with this (``en: …``).
_NOTE = re.compile(r"^(vi|en): ")


def po_path(lang: str, *, root: Path = REPO_DIR) -> Path:
    """Path of a language's ``.po`` catalogue (in the repository or install at ``root``)."""
    return root / "app" / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(path: Path, *, lang: str | None = None) -> Catalog:
    """Read a ``.po``/``.pot`` file with Babel."""
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def compiled(lang: str, *, root: Path = REPO_DIR) -> bytes:
    """Return the compiled (``.mo``) form of a language's catalogue.

    Reuses ``postplan.mo`` when it is at least as new as the ``.po``; otherwise compiles
    the ``.po`` (fuzzy entries left out, as ``pybabel compile`` does) and saves the result
    beside it atomically, or only keeps it in memory when that folder is read-only.

    Raises
    ------
    FileNotFoundError
        When the language has no ``.po`` catalogue.
    """
    po = po_path(lang, root=root)
    mo = po.with_suffix(".mo")
    try:
        if mo.stat().st_mtime >= po.stat().st_mtime:
            return mo.read_bytes()
    except FileNotFoundError:
        po.stat()  # a missing .po is an error; a missing .mo is compiled below
    buf = io.BytesIO()
    write_mo(buf, read_catalogue(po, lang=lang), use_fuzzy=False)
    data = buf.getvalue()
    try:
        fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".postplan-", suffix=".mo")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, mo)
    except OSError:  # read-only install: the catalogue still works from memory
        pass
    return data


def _keyword_calls(tree: ast.AST, names: Collection[str]) -> Iterator[tuple[ast.Call, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in names:
                yield node, str(name)


def extract_keys(
    fileobj: Any, keywords: Collection[str], comment_tags: Collection[str], options: Mapping
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method: every literal key given to ``t``/``md_t``/``N_``.

    Reads the syntax tree, so calls inside f-strings (``f"**{t('x.y')}**"``) count too,
    which Babel's token-based Python extractor misses before Python 3.12.
    """
    tree = ast.parse(fileobj.read())
    for call, name in _keyword_calls(tree, keywords):
        first = call.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield call.lineno, name, first.value, []


def built_keys(sources: Sequence[str] = SOURCES, *, root: Path = REPO_DIR) -> list[str]:
    """List the calls whose key is built at run time (f-string, ``+``, ``.format``).

    Extraction cannot see such keys; use a table of ``N_("…")`` literals instead. Each
    entry reads ``file:line: code``.
    """
    names = [k.split(":")[0] for k in KEYWORDS]
    found = []
    for path in _python_files(sources, root):
        tree = ast.parse(path.read_bytes())
        for call, _name in _keyword_calls(tree, names):
            if isinstance(call.args[0], ast.JoinedStr | ast.BinOp | ast.Call):
                rel = path.relative_to(root)
                found.append(f"{rel}:{call.lineno}: {ast.unparse(call)[:80]}")
    return found


def _python_files(sources: Sequence[str], root: Path) -> list[Path]:
    files = []
    for src in sources:
        path = root / src
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def _pybabel(*args: str) -> None:
    """Run one ``pybabel`` command in the repository (same code as the console script)."""
    cwd = Path.cwd()
    try:
        os.chdir(REPO_DIR)
        CommandLineInterface().run(["pybabel", "-q", *args])
    finally:
        os.chdir(cwd)


def extract_command() -> list[str]:
    """Return the ``pybabel extract`` arguments that write the template."""
    keywords = [a for k in KEYWORDS for a in ("-k", k)]
    return [
        "extract", "-F", MAPPING_FILE, "--no-default-keywords", *keywords,
        "--sort-output", "--add-location=file", "--project", "postplan",
        "-o", str(TEMPLATE.relative_to(REPO_DIR)), *SOURCES,
    ]  # fmt: skip


def update_command(lang: str) -> list[str]:
    """Return the ``pybabel update`` arguments that merge the template into one language."""
    return [
        "update", "-i", str(TEMPLATE.relative_to(REPO_DIR)),
        "-d", str(LOCALE_DIR.relative_to(REPO_DIR)), "-D", DOMAIN, "-l", lang,
        "--no-fuzzy-matching", "--ignore-obsolete",
    ]  # fmt: skip


def _write(path: Path, catalog: Catalog) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, include_lineno=False, ignore_obsolete=True)
    path.write_bytes(buf.getvalue())


def _header_dates(path: Path) -> tuple[Any, Any]:
    if not path.exists():
        return None, None
    cat = read_catalogue(path)
    return cat.creation_date, cat.revision_date


def update() -> list[str]:
    """Extract the keys from the code and merge them into every catalogue.

    New keys arrive with an empty text, keys no longer in the code are removed, and each
    entry's note is set to the other language's text. Header dates are kept as they were
    so that two branches adding labels do not conflict on them.

    Returns
    -------
    list of str
        The ``lang: key`` entries that still need a text.
    """
    dates = {p: _header_dates(p) for p in (TEMPLATE, *map(po_path, CATALOGUE_LANGUAGES))}
    _pybabel(*extract_command())
    for lang in CATALOGUE_LANGUAGES:
        _pybabel(*update_command(lang))
    cats = {lang: read_catalogue(po_path(lang), lang=lang) for lang in CATALOGUE_LANGUAGES}
    for lang, cat in cats.items():
        others = [o for o in CATALOGUE_LANGUAGES if o != lang]
        for msg in cat:
            if not msg.id:
                continue
            msg.auto_comments = [
                f"{other}: {text}" for other in others if (text := _text(cats[other], str(msg.id)))
            ]
    for path in dates:
        cat = cats[path.parent.parent.name] if path != TEMPLATE else read_catalogue(path)
        cat.fuzzy = False
        cat.header_comment = HEADER_COMMENT
        created, revised = dates[path]
        if created is not None:
            cat.creation_date = created
        if revised is not None:
            cat.revision_date = revised
        _write(path, cat)
    return [f"{lang}: {key}" for lang, cat in cats.items() for key in _empty(cat)]


def compile_all() -> None:
    """Write every language's ``.mo`` (``pybabel compile``), fuzzy entries left out."""
    _pybabel("compile", "-d", str(LOCALE_DIR.relative_to(REPO_DIR)), "-D", DOMAIN)


def _text(cat: Catalog, key: str) -> str:
    msg = cat.get(key)
    return str(msg.string) if msg is not None and msg.string else ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def _notes(comments: Iterable[str]) -> dict[str, str]:
    # The other-language notes of an entry (Babel wraps long comments over lines).
    notes: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in comments:
        if m := _NOTE.match(line):
            current = notes.setdefault(m.group(1), [])
            line = line[m.end() :]
        if current is not None:
            current.append(line)
    return {lang: _squash(" ".join(parts)) for lang, parts in notes.items()}


def _empty(cat: Catalog) -> list[str]:
    return [str(m.id) for m in cat if m.id and not m.string]


def placeholders(text: str) -> set[str]:
    """Names of the ``{name}`` placeholders in a text (``str.format`` syntax)."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def extracted_keys(
    sources: Sequence[str] = SOURCES, *, root: Path = REPO_DIR
) -> dict[str, list[str]]:
    """Every key the code uses, mapped to the files that use it (as extraction sees them).

    A key counts as used when it is the literal first argument of ``t``, ``md_t`` or ``N_``.
    """
    names = [k.split(":")[0] for k in KEYWORDS]
    found: dict[str, list[str]] = {}
    for path in _python_files(sources, root):
        with path.open("rb") as f:
            for _line, _name, key, _c in extract_keys(f, names, (), {}):
                found.setdefault(key, []).append(str(path.relative_to(root)))
    return found


def check(sources: Sequence[str] = SOURCES, *, root: Path = REPO_DIR) -> list[str]:
    """Every problem of the catalogues, one sentence each (an empty list when all is well).

    Checks that the template and each catalogue hold exactly the keys the code uses, that
    no entry is fuzzy or empty, that the placeholders of each key agree between languages,
    and that the notes show the other language's current text.
    """
    problems = [
        f"{c} builds its key at run time; use N_() literals" for c in built_keys(sources, root=root)
    ]
    fix = " (run: python -m app.catalogues update)"
    used = extracted_keys(sources, root=root)
    template_path = root / TEMPLATE.relative_to(REPO_DIR)
    template = {str(m.id) for m in read_catalogue(template_path) if m.id}
    if set(used) != template:
        missing = sorted(set(used) - template)
        stale = sorted(template - set(used))
        problems.append(f"{TEMPLATE.name} is out of date: lacks {missing}, has {stale}{fix}")
    cats = {
        lang: read_catalogue(po_path(lang, root=root), lang=lang) for lang in CATALOGUE_LANGUAGES
    }
    for lang, cat in cats.items():
        keys = {str(m.id) for m in cat if m.id}
        where = f"{lang}/LC_MESSAGES/{DOMAIN}.po"
        for key in sorted(set(used) - keys):
            problems.append(f"{where}: key {key!r} (used in {used[key][0]}) is missing{fix}")
        for key in sorted(keys - set(used)):
            problems.append(f"{where}: key {key!r} is not used in the code{fix}")
        for msg in cat:
            if not msg.id:
                continue
            if msg.fuzzy:
                problems.append(f"{where}: {msg.id!r} is fuzzy; check the text, drop the flag")
            if not msg.string:
                problems.append(f"{where}: {msg.id!r} has no text; write it")
    first, *rest = CATALOGUE_LANGUAGES
    for msg in cats[first]:
        key = str(msg.id)
        if not key:
            continue
        for lang in rest:
            other = _text(cats[lang], key)
            if msg.string and other and placeholders(str(msg.string)) != placeholders(other):
                problems.append(
                    f"{key!r}: placeholders differ: {first} "
                    f"{sorted(placeholders(str(msg.string)))}, "
                    f"{lang} {sorted(placeholders(other))}"
                )
    for lang, cat in cats.items():
        for msg in cat:
            if not msg.id:
                continue
            want = {o: _squash(_text(cats[o], str(msg.id))) for o in CATALOGUE_LANGUAGES}
            want = {o: text for o, text in want.items() if o != lang and text}
            if _notes(msg.auto_comments) != want:
                problems.append(f"{lang}: the note of {msg.id!r} is stale{fix}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m app.catalogues update|compile|check``."""
    parser = argparse.ArgumentParser(prog="python -m app.catalogues", description=__doc__)
    parser.add_argument("command", choices=("update", "compile", "check"))
    args = parser.parse_args(argv)
    if args.command == "update":
        todo = update()
        for entry in todo:
            print(f"needs a text: {entry}")
        return 0
    if args.command == "compile":
        compile_all()
        return 0
    problems = check()
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
