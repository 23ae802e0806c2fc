"""The one place where platform-wide tables are declared.

A platform-wide table holds data that belongs to no single municipality (the tenant
registry itself, user accounts, the job outbox). Every other table must be tenant-owned.
"""

PLATFORM_WIDE_TABLES: frozenset[str] = frozenset(
    {
        "alembic_version",
        "tenants",
        "users",
        "memberships",
        "outbox_messages",
    }
)
