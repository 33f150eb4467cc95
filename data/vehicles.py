"""The one list of vehicle profiles, for every layer.

``geo.profiles`` builds a speed profile for each name, ``routing.model`` checks couriers
against it, the roster (``data.roster``) validates its ``profile`` column with it and the
app offers it in its selectors. Adding a profile means adding it here and giving it
speeds in ``geo.profiles.make_profiles`` (a test checks the two agree).
"""

from __future__ import annotations

#: Vehicle profiles, in the order the app offers them; ``motorbike`` is the default.
PROFILE_NAMES: tuple[str, ...] = ("motorbike", "moped", "car", "walk")
#: The profile used when none is given.
DEFAULT_PROFILE = "motorbike"
#: Vietnamese names of the profiles (also accepted in imported files).
PROFILE_LABELS_VI: dict[str, str] = {
    "motorbike": "xe máy",
    "moped": "xe gắn máy (≤ 50 cc)",
    "car": "ô tô",
    "walk": "đi bộ",
}
#: Other words accepted for a profile in imported files (matched without accents or case).
PROFILE_ALIASES: dict[str, tuple[str, ...]] = {
    "motorbike": ("xe may", "xe mo to", "motorcycle", "mo to"),
    "moped": ("xe gan may", "xe gan may (<= 50 cc)", "scooter 50cc"),
    "car": ("o to", "xe o to", "oto"),
    "walk": ("di bo", "walking", "foot"),
}

__all__ = ["DEFAULT_PROFILE", "PROFILE_ALIASES", "PROFILE_LABELS_VI", "PROFILE_NAMES"]
