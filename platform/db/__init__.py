"""Database layer: declarative base, tenant scoping, engines and sessions."""
