"""Opt-out tools for the artist's own website and files: site files, a site checker and XMP tagging of copies."""
