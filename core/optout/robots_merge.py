"""Merging TrainTrace's AI-crawler groups into a robots.txt the artist already has.

The artist's lines (their groups, `Sitemap:` lines, comments) are kept byte for byte. Ours sit in one block
between two marker comments; writing the files again replaces only that block. A new block goes at the end of
the file, or at the top when the artist's file ends with `User-agent:` lines that have no rule yet (RFC 9309
would make our first group part of theirs).
"""

from __future__ import annotations

from protego import Protego

BEGIN_MARK = "# >>> TrainTrace AI-crawler block: written by `traintrace optout site`, replaced when it runs again"
END_MARK = "# <<< end of the TrainTrace AI-crawler block (your own lines go outside these marks)"
_BEGIN_PREFIX = "# >>> TrainTrace"
_END_PREFIX = "# <<< end of the TrainTrace"


class BrokenMarks(ValueError):  # noqa: N818 - a verdict on the file
    """The file has one of the marks without the other (or in the wrong order): the block cannot be found."""


def wrap_block(lines: list[str]) -> str:
    """The block as written into a robots.txt: marks, our lines, and a final newline."""
    return "\n".join([BEGIN_MARK, *lines, END_MARK]) + "\n"


def merge_robots_txt(existing: str | None, block: str) -> str:
    """`existing` with its TrainTrace block replaced by `block` (added when there is none); `BrokenMarks`."""
    if existing is None or not existing.strip():
        return block
    newline = "\r\n" if "\r\n" in existing else "\n"
    ours = block.replace("\n", newline)
    lines = existing.splitlines(keepends=True)
    begins = [i for i, line in enumerate(lines) if line.startswith(_BEGIN_PREFIX)]
    ends = [i for i, line in enumerate(lines) if line.startswith(_END_PREFIX)]
    if begins or ends:
        if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
            raise BrokenMarks("the TrainTrace marks in this robots.txt are incomplete or out of order")
        return "".join(lines[: begins[0]]) + ours + "".join(lines[ends[0] + 1 :])
    if _ends_with_open_group(existing):
        return ours + newline + existing
    separator = "" if existing.endswith(("\n", "\r")) else newline
    return existing + separator + newline + ours


def has_marks(data: bytes) -> bool:
    """Whether a robots.txt holds either of TrainTrace's marks."""
    return any(line.startswith((_BEGIN_PREFIX.encode(), _END_PREFIX.encode())) for line in data.splitlines())


def still_allowed(text: str, tokens: tuple[str, ...], site_root: str = "https://example.invalid/") -> list[str]:
    """The AI crawler tokens that `text`, read as RFC 9309 crawlers read it, still lets fetch the site root."""
    parser = Protego.parse(text)
    return [token for token in tokens if parser.can_fetch(site_root, token)]


def _ends_with_open_group(text: str) -> bool:
    directives = [line.split("#", 1)[0].strip().lower() for line in text.splitlines()]
    directives = [line for line in directives if line]
    return bool(directives) and directives[-1].startswith("user-agent")
