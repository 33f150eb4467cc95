"""Alembic migrations of the plan store, run in code by :func:`data.store.upgrade_schema`."""
