"""The one place where platform-wide tables are declared, each with the reason.

A platform-wide table holds data that belongs to no single municipality. Every other
table must be tenant-owned (the schema test checks the live catalog for both). Adding a
name here switches the tenant-isolation checks off for that table, so each entry says
why it must be readable across tenants.
"""

PLATFORM_WIDE_TABLE_REASONS: dict[str, str] = {
    "alembic_version": "migration bookkeeping",
    "tenants": "the registry a request resolves its tenant from",
    "users": "a person may belong to several municipalities",
    "memberships": "sign-in must list every municipality a person belongs to",
    "consultant_assignments": (
        "a consultant's portfolio lists every municipality they are assigned to"
    ),
    "api_tokens": (
        "a request presents only its token, which is found by its hash before any "
        "municipality is known; rows hold a hash, never the secret"
    ),
    "account_links": (
        "a single-use link is followed before anyone is signed in, so no municipality is "
        "bound yet; it belongs to an account (and, for a sign-up, carries its municipality)"
    ),
    "outgoing_emails": (
        "mail is also sent to people outside any municipality (sign-up, password reset); "
        "rows concerning a municipality carry its id and go with it"
    ),
    "recovery_codes": "second-factor codes belong to a person's account, like users",
    "outbox_messages": (
        "the relay moves every tenant's committed jobs to Redis; rows hold ids only, "
        "and the tenant a job runs for"
    ),
    "tenant_deletions": (
        "the record that a municipality was deleted must outlive its rows (no personal data)"
    ),
}

PLATFORM_WIDE_TABLES: frozenset[str] = frozenset(PLATFORM_WIDE_TABLE_REASONS)
