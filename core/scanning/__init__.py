"""Finding the artist's image files and fingerprinting them into the catalogue."""
