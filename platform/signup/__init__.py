"""Self-service sign-up of a municipality: the tenant, its first admin and the email
verification that lets that admin in."""
