"""Compact hash indexes over dataset rows (pHash multi-index, SHA-256 prefix index), their streamed builds,
the query-side streaming pHash kernel and the vectorised hex parsers they share. Depends on nothing of the
dataset or matching layers above it."""
