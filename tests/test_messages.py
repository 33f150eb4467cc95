"""app.messages: errors in the page's language, data quoted safely, no Python text."""

from __future__ import annotations

from app.messages import error_md, problem_text, problems_box
from app.safe import WORD_JOINER
from data.errors import ConflictError, InputError, Problem

BAD = Problem("unknown kind; use dossier_pickup", row=3, column="kind", value="teleport",
              source="jobs.csv", message_vi="loại việc không có; dùng dossier_pickup")


def test_problem_text_in_vietnamese_names_file_row_column_value() -> None:
    """Vietnamese: where in Vietnamese, then the Vietnamese message."""
    assert problem_text(BAD, lang="vi") == (
        "jobs.csv, dòng 3, cột 'kind', giá trị 'teleport': "
        "loại việc không có; dùng dossier_pickup"
    )


def test_problem_text_in_english_uses_the_english_message() -> None:
    """English: where in English, then the English message."""
    assert problem_text(BAD, lang="en") == (
        "jobs.csv, row 3, column 'kind', value 'teleport': unknown kind; use dossier_pickup"
    )


def test_problem_without_vietnamese_is_one_language() -> None:
    """A problem with only an English message is shown all in English, never mixed."""
    p = Problem("job_id is empty", row=2)
    assert problem_text(p, lang="vi") == "row 2: job_id is empty"


def test_a_markdown_link_in_a_cell_is_escaped_in_the_error_box() -> None:
    """A cell ``[text](https://example.org)`` reaches the box with every bracket escaped."""
    p = Problem("bad label", row=2, column="label", value="[text](https://example.org)")
    box = problems_box([p], lang="vi")
    assert box.startswith("1 lỗi — dữ liệu trước đó được giữ nguyên:\n\n- ")
    assert r"\[text\]\(https\:" + WORD_JOINER + r"\/\/example\.org\)" in box
    assert "[text](" not in box


def test_input_error_lists_every_problem() -> None:
    """An InputError becomes the count line and one bullet per problem."""
    exc = InputError([BAD, Problem("x", row=4)], summary="jobs.csv was rejected")
    text = error_md(exc, lang="vi")
    assert text.count("\n- ") == 2 and "2 lỗi" in text and "was rejected" not in text


def test_project_error_says_what_failed_in_the_page_language() -> None:
    """A ConflictError starts with a Vietnamese sentence; its details are escaped."""
    text = error_md(ConflictError("plan 'P' saved by [Hoa](x)"), lang="vi")
    assert text.startswith("Không lưu được vì có người khác vừa lưu.")
    assert r"\[Hoa\]\(x\)" in text


def test_unexpected_error_shows_no_python_text() -> None:
    """A UnicodeDecodeError shows only the Vietnamese request to report it."""
    try:
        b"\xe0\xff".decode("utf-8")
    except UnicodeDecodeError as err:
        text = error_md(err, lang="vi")
    assert "codec" not in text and "utf-8" not in text and "UnicodeDecodeError" not in text
    assert text.startswith("Đã xảy ra lỗi không lường trước")
