"""Opt-out tools for the artist's own website and files.

- `site_files.generate_site_files`: robots.txt, ai.txt, tdmrep.json, server header snippets, meta tags, README.
- `crawlers.load_crawler_list`: the dated AI crawler token list shipped as data (resources/optout).
- `site_check.check_site`: which of those signals a live site really serves (verdicts in `site_signals`).
- `tagging.tag_copies`: IPTC ``plus:DataMining`` XMP (and optionally a signed C2PA assertion) in copies, written
  by exiv2 (`exiv2_xmp`), by exiftool for HEIC/AVIF (`exiftool`), page by page for multi-page TIFF (`tiff_pages`).
"""
