"""app.safe: text from users and the store is shown as text in HTML and in markdown."""

from __future__ import annotations

import pytest

from app.safe import WORD_JOINER, html_text, md_t, md_text

WJ = WORD_JOINER


def test_html_text_encodes_markup_quotes_and_template_literal_characters() -> None:
    """Tags, quotes, backtick, ``$`` and backslash become character references."""
    assert html_text('<img src=x onerror="alert(1)">') == (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    )
    assert html_text("a'b&c") == "a&#x27;b&amp;c"
    assert html_text("`${alert(1)}`\\") == "&#x60;&#x24;{alert(1)}&#x60;&#x5C;"


def test_html_text_keeps_vietnamese_and_turns_none_into_empty_text() -> None:
    """Vietnamese letters pass unchanged (NFC); None is ""; numbers are their text."""
    decomposed = "Bu\u031bu ta\u0301 1"  # "Bưu tá 1" in NFD
    assert html_text(decomposed) == "Bưu tá 1"
    assert html_text(None) == ""
    assert html_text(14.5) == "14.5"


def test_html_text_drops_direction_overrides() -> None:
    """Right-to-left overrides that disguise a name are removed."""
    assert html_text("abc\u202egpj.exe") == "abcgpj.exe"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("[text](https://example.org)", r"\[text\]\(https\:" + WJ + r"\/\/example\.org\)"),
        ("**bold** _it_", r"\*\*bold\*\* \_it\_"),
        ("<script>alert(1)</script>", r"\<script\>alert\(1\)\<\/script\>"),
        ("$x^2$", r"\$x\^2\$"),
        ("www.example.org", "www" + WJ + r"\.example\.org"),
        ("lan@example.org", "lan\\@" + WJ + r"example\.org"),
        ("Đắk Hà", "Đắk Hà"),
    ],
)
def test_md_text_escapes_every_markdown_punctuation(raw: str, escaped: str) -> None:
    """Each ASCII punctuation character gets a backslash; letters stay as they are."""
    assert md_text(raw) == escaped


def test_md_text_keeps_data_on_one_line() -> None:
    """A line break or tab cannot start a heading, list or code block."""
    assert md_text("a\n# b\r\n- c\td") == r"a \# b  \- c d"


def test_md_t_escapes_text_values_and_keeps_numbers() -> None:
    """Text placeholders are escaped, numeric ones keep their format specification."""
    assert md_t("dispatch.saved_opened", name="[x](y)", version=3) == (
        r"Đang xem kế hoạch đã lưu «\[x\]\(y\)» (phiên bản 3)."
    )
    assert md_t("coverage.add_clicked", lat=14.12345, lon=108.0) == (
        "Thêm điểm vừa bấm (14.1235, 108.0000)"
    )
