"""What route sheets say and how: bilingual labels, NFC text, clock, money and map links."""

from __future__ import annotations

import math
import unicodedata

#: Bilingual action labels by (stop kind, job kind); ``None`` job kind = any.
ACTION_LABELS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("start", None): ("Xuất phát", "Start"),
    ("end", None): ("Về bưu cục", "Return to office"),
    ("pickup", "dossier_pickup"): ("Nhận hồ sơ", "Collect dossier"),
    ("delivery", "dossier_pickup"): ("Nộp hồ sơ (một cửa)", "Hand in dossier"),
    ("pickup", "result_delivery"): ("Nhận kết quả (một cửa)", "Collect result"),
    ("delivery", "result_delivery"): ("Trả kết quả", "Deliver result"),
    ("pickup", "counter_transfer"): ("Nhận hồ sơ tại quầy", "Collect at counter"),
    ("delivery", "counter_transfer"): ("Giao hồ sơ", "Hand over dossiers"),
    ("visit", "delivery"): ("Giao", "Deliver"),
    ("visit", "pickup"): ("Nhận", "Collect"),
    ("pickup", None): ("Nhận", "Collect"),
    ("delivery", None): ("Giao", "Deliver"),
    ("visit", None): ("Ghé", "Visit"),
}

#: Bilingual names of job kinds (``routing.model.JOB_KINDS``).
JOB_KIND_LABELS: dict[str, tuple[str, str]] = {
    "dossier_pickup": ("Nhận hồ sơ → một cửa", "Dossier to one-stop shop"),
    "result_delivery": ("Trả kết quả → người dân", "Result to citizen"),
    "counter_transfer": ("Chuyển hồ sơ giữa bưu cục", "Counter transfer"),
    "delivery": ("Giao", "Delivery"),
    "pickup": ("Nhận", "Pickup"),
    "transfer": ("Chuyển", "Transfer"),
}

#: Bilingual vehicle names by courier profile.
VEHICLE_LABELS: dict[str, str] = {
    "motorbike": "Xe máy / Motorbike",
    "car": "Ô tô / Car",
    "walk": "Đi bộ / On foot",
}


def action_label(kind: str, job_kind: str | None) -> tuple[str, str]:
    """Vietnamese and English label of what the courier does at a stop.

    Parameters
    ----------
    kind
        The plan's stop kind (``start``, ``pickup``, ``delivery``, ``visit``, ``end``).
    job_kind
        The job's kind (``dossier_pickup``, ``result_delivery``, …) or None.
    """
    return ACTION_LABELS.get((kind, job_kind)) or ACTION_LABELS.get((kind, None)) or (kind, kind)


ESTIMATED_LABEL = "ƯỚC TÍNH / ESTIMATED"
SIMULATED_LABEL = "MÔ PHỎNG / SIMULATED"


def nfc(text: object) -> str:
    """Return ``text`` as a string normalised to Unicode NFC (``None`` becomes ``""``).

    Parameters
    ----------
    text
        Any value; non-strings are formatted with ``str``.
    """
    if text is None:
        return ""
    if isinstance(text, float) and math.isnan(text):
        return ""
    return unicodedata.normalize("NFC", str(text))


def format_clock(seconds: float | None) -> str:
    """Format seconds after midnight as 24-hour ``HH:MM`` (empty for ``None``).

    Parameters
    ----------
    seconds
        Seconds since midnight of the plan's day; values past 24 h add ``(+1)``.
    """
    if seconds is None or (isinstance(seconds, float) and not math.isfinite(seconds)):
        return ""
    total_min = round(float(seconds) / 60.0)
    day, minute_of_day = divmod(total_min, 24 * 60)
    text = f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"
    return text + (f" (+{day})" if day > 0 else "")


def format_duration(seconds: float) -> str:
    """Format a duration as ``H giờ MM`` (e.g. ``"3 giờ 05"``)."""
    total_min = round(float(seconds) / 60.0)
    return f"{total_min // 60} giờ {total_min % 60:02d}"


def format_vnd(amount: float | None) -> str:
    """Format a fee in đồng with Vietnamese thousands dots (``25.000 ₫``; empty for none)."""
    if amount is None or (isinstance(amount, float) and not math.isfinite(amount)):
        return ""
    return f"{round(amount):,}".replace(",", ".") + " ₫"


def google_maps_url(lat: float, lon: float) -> str:
    """Google Maps directions link to one point, driving (no API key needed)."""
    return (
        "https://www.google.com/maps/dir/?api=1"
        f"&destination={lat:.6f},{lon:.6f}&travelmode=driving"
    )


def geo_uri(lat: float, lon: float) -> str:
    """RFC 5870 ``geo:`` URI, opened by any map app on a phone."""
    return f"geo:{lat:.6f},{lon:.6f}"


__all__ = [
    "ACTION_LABELS",
    "ESTIMATED_LABEL",
    "JOB_KIND_LABELS",
    "SIMULATED_LABEL",
    "VEHICLE_LABELS",
    "action_label",
    "format_clock",
    "format_duration",
    "format_vnd",
    "geo_uri",
    "google_maps_url",
    "nfc",
]
