"""Rules that keep users apart and the host safe: which URLs a visitor may reach (`urlguard`),
secrets scrubbed from text (`redaction`), a private folder per request (`workdirs`).
Core: imports nothing above it."""
