"""The tenant registry: municipalities, their slugs and their lifecycle state."""
