"""Alembic environment and revisions (tables, roles, grants and row-level security)."""
