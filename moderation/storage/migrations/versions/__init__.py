"""Alembic revisions (a package so that they ship in wheels; alembic skips this file)."""
