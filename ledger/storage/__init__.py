"""The chain writer, the chained SQLite and PostgreSQL recorders, the Merkle tree store."""
