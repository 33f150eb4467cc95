"""Alembic revision scripts of the plan store (one file per schema change)."""
