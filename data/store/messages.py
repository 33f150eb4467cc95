"""What the store tells a user when the database itself is the problem — Vietnamese first.

One place for these sentences so the store, ``postplan db`` and the app say the same
thing. Each function returns ``"<tiếng Việt> / <English>"``; each says what happened, that
nothing was lost or written, and what to do.
"""

from __future__ import annotations


def bilingual(vi: str, en: str) -> str:
    """Join a Vietnamese and an English sentence the way every store message is shown."""
    return f"{vi} / {en}"


def damaged(where: str, details: str) -> str:
    """Say that the integrity check failed: opened read-only, never written."""
    return bilingual(
        f"Cơ sở dữ liệu {where} bị hỏng ({details}). Đã mở ở chế độ chỉ đọc: mọi lần lưu bị "
        f"từ chối và tệp không bị ghi. Hãy khôi phục bản sao lưu gần nhất bằng "
        f"`postplan db restore TỆP`, hoặc chạy `postplan db check` để xem chi tiết.",
        f"The database {where} is damaged ({details}). It was opened read-only: every save is "
        f"refused and the file is not written. Restore the latest backup with "
        f"`postplan db restore FILE`, or run `postplan db check` for details.",
    )


def header_damaged(path: str) -> str:
    """Say that the file is not a SQLite database (or its header is damaged)."""
    return bilingual(
        f"Tệp {path} không phải cơ sở dữ liệu SQLite hoặc phần đầu tệp bị hỏng, nên không đọc "
        f"được gì. Tệp được giữ nguyên. Hãy khôi phục bản sao lưu bằng "
        f"`postplan db restore TỆP` (tệp hỏng được giữ lại trong thư mục backups), hoặc trỏ "
        f"POSTPLAN_DB_URL tới cơ sở dữ liệu khác.",
        f"The file {path} is not a SQLite database or its header is damaged, so nothing can "
        f"be read from it. The file was left untouched. Restore a backup with "
        f"`postplan db restore FILE` (the damaged file is kept in the backups folder), or "
        f"point POSTPLAN_DB_URL at another database.",
    )


def newer_schema(where: str, revision: str, head: str) -> str:
    """Say that a newer postplan wrote the database (unknown schema revision)."""
    return bilingual(
        f"Cơ sở dữ liệu {where} được ghi bởi một phiên bản postplan mới hơn (sơ đồ {revision}; "
        f"bản này chỉ biết tới {head}). Hãy nâng cấp postplan; không có gì bị thay đổi.",
        f"The database {where} was written by a newer postplan (revision {revision}; this one "
        f"knows up to {head}) — upgrade postplan (`git pull` and reinstall, or "
        f"`pip install -U postplan`); nothing was changed.",
    )


def read_only_file(path: str) -> str:
    """Say that the SQLite file (or its folder, or its file system) cannot be written."""
    return bilingual(
        f"Tệp {path} (hoặc thư mục chứa nó) chỉ cho phép đọc; đã mở để xem và mọi lần lưu bị "
        f"từ chối, không có gì được ghi. Để lưu, hãy cấp quyền ghi cho tệp và thư mục, hoặc "
        f"chép tệp sang thư mục ghi được và đặt POSTPLAN_USER_DIR / POSTPLAN_DB_URL.",
        f"The file {path} (or its folder) is read-only; it was opened for reading and every "
        f"save is refused, nothing was written. To save, make the file and its folder "
        f"writable, or copy it to a writable folder and set POSTPLAN_USER_DIR / "
        f"POSTPLAN_DB_URL.",
    )


def read_only_server(where: str) -> str:
    """Say that the PostgreSQL server accepts only reads (a standby, or by setting)."""
    return bilingual(
        f"Máy chủ cơ sở dữ liệu {where} chỉ cho phép đọc (transaction_read_only = on, ví dụ "
        f"máy chủ dự phòng); mọi lần lưu bị từ chối. Hãy trỏ POSTPLAN_DB_URL tới máy chủ chính.",
        f"The database server {where} is read-only (transaction_read_only = on, e.g. a "
        f"standby); every save is refused. Point POSTPLAN_DB_URL at the primary server.",
    )


def read_only_old_schema(where: str, revision: str | None, head: str) -> str:
    """Say that a read-only database has an older schema (cannot be upgraded)."""
    return bilingual(
        f"Cơ sở dữ liệu {where} chỉ đọc được và có sơ đồ cũ ({revision}; cần {head}), không "
        f"nâng cấp được khi không ghi được. Hãy cấp quyền ghi, hoặc chép sang thư mục ghi được.",
        f"The database {where} is read-only and has an older schema ({revision}; this "
        f"postplan needs {head}), which cannot be upgraded without writing. Make it writable, "
        f"or copy it to a writable folder.",
    )


def cannot_create(path: str) -> str:
    """Say that there is no database yet and its folder cannot be written."""
    return bilingual(
        f"Không tạo được cơ sở dữ liệu {path}: thư mục chỉ cho phép đọc. Hãy đặt "
        f"POSTPLAN_USER_DIR (hoặc POSTPLAN_DB_URL) tới nơi ghi được.",
        f"Cannot create the database {path}: its folder is read-only. Set POSTPLAN_USER_DIR "
        f"(or POSTPLAN_DB_URL) to a writable place.",
    )


def cannot_open(where: str, detail: str) -> str:
    """Say that the database cannot be reached at all."""
    return bilingual(
        f"Không mở được kho kế hoạch tại {where}: {detail}. Kiểm tra POSTPLAN_DB_URL và máy chủ "
        f"cơ sở dữ liệu đang chạy.",
        f"cannot open the plan store at {where}: {detail}. Check POSTPLAN_DB_URL (or "
        f"Settings.db_url) and that the database server runs.",
    )


def read_failed(where: str, detail: str) -> str:
    """Say that a read failed (often damage found only when a page is read)."""
    return bilingual(
        f"Không đọc được kho kế hoạch tại {where}: {detail}. Chạy `postplan db check`; nếu cơ "
        f"sở dữ liệu bị hỏng, khôi phục bản sao lưu bằng `postplan db restore TỆP`.",
        f"the plan store at {where} failed: {detail}. Run `postplan db check`; if the "
        f"database is damaged, restore a backup with `postplan db restore FILE`.",
    )


def write_failed(where: str, detail: str) -> str:
    """Say that a write failed and its transaction was rolled back."""
    return bilingual(
        f"Kho kế hoạch tại {where} bị lỗi khi lưu: {detail}; không có gì được lưu.",
        f"the plan store at {where} failed: {detail}; nothing was saved.",
    )


def pg_tool_missing(tool: str, searched: str) -> str:
    """Say that ``pg_dump`` / ``pg_restore`` is not installed."""
    return bilingual(
        f"Không tìm thấy {tool} (đã tìm ở {searched}). Hãy cài gói PostgreSQL client "
        f"(`apt-get install postgresql-client`) hoặc đặt POSTPLAN_PG_BINDIR tới thư mục chứa "
        f"{tool}; chưa có gì thay đổi.",
        f"{tool} was not found (looked in {searched}). Install the PostgreSQL client "
        f"(`apt-get install postgresql-client`) or set POSTPLAN_PG_BINDIR to the folder that "
        f"holds {tool}; nothing was changed.",
    )


def bad_backup(path: str, detail: str) -> str:
    """Say that a file given to ``postplan db restore`` is not a usable backup."""
    return bilingual(
        f"{path} không phải bản sao lưu dùng được ({detail}); cơ sở dữ liệu hiện tại được giữ "
        f"nguyên. Hãy chọn bản sao lưu khác (`postplan db backup` tạo bản mới).",
        f"{path} is not a usable backup ({detail}); the current database was left as it was. "
        f"Choose another backup (`postplan db backup` makes them).",
    )


def backup_exists(path: str) -> str:
    """Say that ``postplan db backup`` never overwrites a file."""
    return bilingual(
        f"Tệp {path} đã có; sao lưu không ghi đè tệp nào. Hãy chọn tên khác.",
        f"{path} already exists; a backup never overwrites a file. Choose another name.",
    )


def backup_failed(where: str, detail: str) -> str:
    """Say that the backup could not be read or written (damaged source, full disk…)."""
    return bilingual(
        f"Không sao lưu được {where}: {detail}. Không có tệp sao lưu nào được tạo; cơ sở dữ "
        f"liệu được giữ nguyên. Nếu nó bị hỏng, hãy khôi phục một bản sao lưu cũ hơn bằng "
        f"`postplan db restore TỆP`.",
        f"Could not back up {where}: {detail}. No backup file was written; the database was "
        f"left as it was. If it is damaged, restore an older backup with "
        f"`postplan db restore FILE`.",
    )


def nothing_to_back_up(where: str) -> str:
    """Say that there is no database file yet."""
    return bilingual(
        f"Chưa có cơ sở dữ liệu tại {where} nên không có gì để sao lưu.",
        f"There is no database at {where} yet, so there is nothing to back up.",
    )


def restore_failed(where: str, detail: str, safety: str | None) -> str:
    """Say that a restore failed part-way (the previous database is in the safety copy)."""
    kept_vi = f" Bản trước khi khôi phục được giữ ở {safety}." if safety else ""
    kept_en = f" The database as it was before is kept in {safety}." if safety else ""
    return bilingual(
        f"Khôi phục vào {where} thất bại: {detail}.{kept_vi}",
        f"Restoring into {where} failed: {detail}.{kept_en}",
    )


def hash_mismatch(ref: str) -> str:
    """Say that a stored version's text no longer matches its hash."""
    return bilingual(
        f"{ref}: nội dung không khớp mã băm đã lưu (bị sửa ngoài postplan?)",
        f"{ref}: its content does not match its stored hash (altered outside postplan?)",
    )


def latest_mismatch(ref: str, detail: str) -> str:
    """Say that an object's latest-version record disagrees with its versions."""
    return bilingual(
        f"{ref}: bản mới nhất ghi trong danh mục không khớp các phiên bản ({detail})",
        f"{ref}: the latest version recorded does not match its versions ({detail})",
    )


def check_hint() -> str:
    """Say what to do after ``postplan db check`` found problems."""
    return bilingual(
        "Hãy khôi phục bản sao lưu gần nhất còn tốt bằng `postplan db restore TỆP` (bản hiện "
        "tại được giữ lại trong thư mục backups).",
        "Restore the latest good backup with `postplan db restore FILE` (the current "
        "database is kept in the backups folder).",
    )
