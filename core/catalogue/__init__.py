"""The local catalogue: one SQLite file holding the artist's works and, later, matches and decisions."""
