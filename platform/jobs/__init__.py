"""Background jobs: dramatiq on Redis, fed by a transactional outbox."""
