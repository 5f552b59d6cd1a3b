"""Files for the artist's own website that reserve the works against AI training (FACTS.md section 5).

Every file's content is a pure function of the profile, the policy URL and the dated crawler list, so the same
inputs always give the same bytes (the date comes from the crawler list, never from the clock).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from core import __version__
from core.errors import UsageError
from core.files import prepare_output_dir, write_atomically
from core.keep_edits import Outcome, Placed, RecordedHashes, no_records, place_file, read_existing
from core.matching.profile_rules import usable
from core.optout.crawlers import CrawlerList
from core.optout.robots_merge import BrokenMarks, has_marks, merge_robots_txt, still_allowed, wrap_block
from core.profile import Profile

ROBOTS_TAG_VALUE = "noai, noimageai"
# Spawning's ai.txt names media by glob; these are the image and video types artists publish.
AI_TXT_MEDIA_GLOBS = (
    "*.jpg", "*.jpeg", "*.png", "*.gif", "*.webp", "*.avif", "*.heic", "*.heif", "*.tif", "*.tiff", "*.bmp",
    "*.svg", "*.psd", "*.mp4", "*.mov", "*.webm",
)  # fmt: skip
_PUBLIC_FILE_MODE = 0o644
_UNSAFE_TEXT = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class GeneratedFile:
    """One generated file: its path relative to the output folder (POSIX form) and the SHA-256 of its bytes.

    `written_as` is where the bytes went (the file itself, or `NAME.new` beside a file of the artist's) and
    `outcome` what happened there; `notes` are warnings for the artist (e.g. own robots.txt lines that still
    let an AI crawler in).
    """

    relative_path: str
    sha256: str
    written_as: str = ""
    outcome: Outcome = Outcome.CREATED
    notes: tuple[str, ...] = ()


def generate_site_files(
    out_dir: Path,
    profile: Profile,
    *,
    tdm_policy_url: str | None,
    crawlers: CrawlerList,
    recorded: RecordedHashes = no_records,
    force: bool = False,
) -> list[GeneratedFile]:
    """Write the site files into `out_dir` (created if needed) and return what was written, in a fixed order.

    An existing robots.txt is merged (the artist's lines kept, ours in a marked block); any other existing file
    that TrainTrace did not write there (per `recorded`) is kept and the new version written beside it as
    `NAME.new`, unless `force`.
    """
    policy = _checked_policy_url(tdm_policy_url)
    headers = _reservation_headers(policy)
    renderers: list[tuple[str, Callable[[], str]]] = [
        ("ai.txt", lambda: render_ai_txt(profile, crawlers)),
        (".well-known/tdmrep.json", lambda: render_tdmrep_json(policy)),
        ("server-config/nginx-headers.conf", lambda: render_nginx_snippet(headers)),
        ("server-config/apache.htaccess", lambda: render_apache_snippet(headers)),
        ("server-config/caddy-headers.caddy", lambda: render_caddy_snippet(headers)),
        ("server-config/_headers", lambda: render_pages_headers(headers)),
        ("html/meta-tags.html", render_meta_tags),
        ("README.md", lambda: render_readme(profile, crawlers, policy)),
    ]
    prepare_output_dir(out_dir)
    written = [_place_robots_txt(out_dir, render_robots_txt(profile, crawlers), crawlers, recorded)]
    for relative_path, render in renderers:
        target = out_dir / relative_path
        prepare_output_dir(target.parent)
        placed = place_file(target, render().encode("utf-8"), recorded=recorded, force=force, mode=_PUBLIC_FILE_MODE)
        written.append(_generated(out_dir, relative_path, placed))
    return written


def _place_robots_txt(out_dir: Path, block: str, crawlers: CrawlerList, recorded: RecordedHashes) -> GeneratedFile:
    """Merge our block into the artist's robots.txt; a file with broken marks is kept and ours goes beside it."""
    target = out_dir / "robots.txt"
    existing = read_existing(target)
    text, outcome = block, Outcome.CREATED
    if existing is not None and not has_marks(existing) and hashlib.sha256(existing).hexdigest() in recorded(target):
        outcome = Outcome.UPDATED  # an older version's unmarked file, unchanged since: replaced whole
    elif existing is not None:
        try:
            text, outcome = merge_robots_txt(existing.decode("utf-8", "surrogateescape"), block), Outcome.MERGED
        except BrokenMarks:
            placed = place_file(target, block.encode("utf-8"), recorded=recorded, mode=_PUBLIC_FILE_MODE)
            note = "your robots.txt has only one of TrainTrace's two marks, so it was left alone: merge by hand"
            return _generated(out_dir, "robots.txt", placed, (note,))
    data = text.encode("utf-8", "surrogateescape")
    if data == existing:
        outcome = Outcome.UNCHANGED
    else:
        write_atomically(target, data, _PUBLIC_FILE_MODE)
    placed = Placed(target, target, outcome, hashlib.sha256(data).hexdigest())
    open_tokens = still_allowed(text, crawlers.tokens)
    notes: tuple[str, ...] = ()
    if open_tokens:
        notes = (f"your own lines in robots.txt still let these AI crawlers in: {', '.join(open_tokens)}",)
    return _generated(out_dir, "robots.txt", placed, notes)


def _generated(out_dir: Path, relative_path: str, placed: Placed, notes: tuple[str, ...] = ()) -> GeneratedFile:
    written_as = placed.path.relative_to(out_dir).as_posix()
    return GeneratedFile(relative_path, placed.sha256, written_as, placed.outcome, notes)


def render_robots_txt(profile: Profile, crawlers: CrawlerList) -> str:
    """RFC 9309 robots.txt: one group per AI crawler token, each disallowing the whole site, in a marked block."""
    lines = [
        *_comment_header(profile, crawlers),
        "# Each group below asks one AI crawler to stay away from the whole site.",
        "# Search engines and other crawlers not named here are not affected.",
        "",
    ]
    for token in crawlers.tokens:
        lines += [f"User-agent: {token}", "Disallow: /", ""]
    return wrap_block(lines)


def render_ai_txt(profile: Profile, crawlers: CrawlerList) -> str:
    """Spawning's ai.txt: media globs and the whole site disallowed for every AI user agent."""
    lines = [*_comment_header(profile, crawlers), "", "User-Agent: *"]
    lines += [f"Disallow: {glob}" for glob in AI_TXT_MEDIA_GLOBS]
    lines += ["Disallow: /", ""]
    return "\n".join(lines)


def render_tdmrep_json(policy_url: str | None) -> str:
    """W3C TDMRep ``/.well-known/tdmrep.json``: rights reserved for the whole site."""
    rule: dict[str, str | int] = {"location": "/", "tdm-reservation": 1}
    if policy_url:
        rule["tdm-policy"] = policy_url
    return json.dumps([rule], indent=2) + "\n"


def render_nginx_snippet(headers: list[tuple[str, str]]) -> str:
    """``add_header ... always`` lines, meant for a ``server`` block so images and pages both carry them."""
    lines = [
        "# TrainTrace: AI-training reservation headers for every response (images and pages).",
        "# Include inside your server { } block. nginx drops inherited add_header lines in any location",
        "# block that has add_header lines of its own: include this file there too.",
    ]
    lines += [f'add_header {name} "{value}" always;' for name, value in headers]
    return "\n".join(lines) + "\n"


def render_apache_snippet(headers: list[tuple[str, str]]) -> str:
    """mod_headers directives for ``.htaccess``; ``always`` also covers error and redirect responses."""
    lines = [
        "# TrainTrace: AI-training reservation headers for every response (images and pages).",
        "<IfModule mod_headers.c>",
    ]
    lines += [f'    Header always set {name} "{value}"' for name, value in headers]
    lines.append("</IfModule>")
    return "\n".join(lines) + "\n"


def render_caddy_snippet(headers: list[tuple[str, str]]) -> str:
    """A Caddyfile ``header`` directive block to paste inside the site block."""
    lines = ["# TrainTrace: AI-training reservation headers for every response (images and pages).", "header {"]
    lines += [f'    {name} "{value}"' for name, value in headers]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_pages_headers(headers: list[tuple[str, str]]) -> str:
    """Netlify / Cloudflare Pages ``_headers``: one rule for every path of the site."""
    lines = ["# TrainTrace: AI-training reservation headers for every response (images and pages).", "/*"]
    lines += [f"  {name}: {value}" for name, value in headers]
    return "\n".join(lines) + "\n"


def render_meta_tags() -> str:
    """The ``<head>`` tags DeviantArt's noai convention and TDMRep define for HTML pages."""
    return (
        "<!-- TrainTrace: paste inside <head> on every page -->\n"
        f'<meta name="robots" content="{ROBOTS_TAG_VALUE}">\n'
        '<meta name="tdm-reservation" content="1">\n'
    )


def render_readme(profile: Profile, crawlers: CrawlerList, policy_url: str | None) -> str:
    """The plain-language guide to where each file goes, filled from the shipped template."""
    template = resources.files("resources.optout").joinpath("README_template.md").read_text(encoding="utf-8")
    policy_note = (
        f"\nIt points to your licensing terms at {policy_url}; the headers in step 4 carry the same address."
        if policy_url
        else ""
    )
    return Template(template).substitute(
        version=__version__,
        artist=_plain(profile.name) or "you",
        list_date=crawlers.list_date.isoformat(),
        token_count=len(crawlers.tokens),
        site_address=_site_address(profile),
        policy_note=policy_note,
    )


def _reservation_headers(policy_url: str | None) -> list[tuple[str, str]]:
    headers = [("X-Robots-Tag", ROBOTS_TAG_VALUE), ("tdm-reservation", "1")]
    if policy_url:
        headers.append(("tdm-policy", policy_url))
    return headers


def _comment_header(profile: Profile, crawlers: CrawlerList) -> list[str]:
    owner = _plain(profile.name)
    return [
        f"# Generated by TrainTrace {__version__}" + (f" for {owner}" if owner else ""),
        f"# AI crawler list dated {crawlers.list_date.isoformat()}: {_plain(crawlers.source_line())}",
        "# Text and data mining of this site, including for AI training, is reserved",
        "# (EU Directive 2019/790, Article 4(3)).",
    ]


def _checked_policy_url(url: str | None) -> str | None:
    """The policy URL lands inside server configs and headers: only a plain http(s) URL is accepted."""
    if url is None or not url.strip():
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r'[\s"\'\\<>`;{}]', url):
        raise UsageError(f"The TDM policy must be a plain http:// or https:// address, not {url!r}.")
    return url


def _site_address(profile: Profile) -> str:
    """The artist's own site: the first domain matching accepts (a shared host such as pinterest.com, kept from a
    profile older than the rule that refuses it, is not their site)."""
    domains = usable(profile).domains
    if domains:
        return f"https://{_plain(domains[0])}"
    return "https://your-site.example"


def _plain(text: str) -> str:
    """Profile text placed in comments: control characters (a newline would start a directive) removed."""
    return _UNSAFE_TEXT.sub(" ", text).strip()
