"""Learning the real roads from the field.

GPS traces, map matching, calibrated speeds and missing roads (see ARCHITECTURE.md,
``geo.field``).
"""
