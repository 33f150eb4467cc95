"""Learning the real roads from the field: GPS traces, map matching, calibrated speeds,
missing roads (see ARCHITECTURE.md, ``geo.field``)."""
