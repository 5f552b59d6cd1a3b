"""Showing a pHash comparison bit by bit: the two 64-bit values, in binary, with the differing positions marked."""

from __future__ import annotations

from dataclasses import dataclass

HASH_BITS = 64


@dataclass(frozen=True)
class BitComparison:
    ours: int
    theirs: int

    @property
    def differing(self) -> tuple[int, ...]:
        """Positions that differ, 0 = the most significant bit (the first hex digit's top bit, as ImageHash prints)."""
        diff = self.ours ^ self.theirs
        return tuple(pos for pos in range(HASH_BITS) if diff >> (HASH_BITS - 1 - pos) & 1)

    @property
    def distance(self) -> int:
        return (self.ours ^ self.theirs).bit_count()

    def binary_rows(self) -> tuple[str, str, str]:
        """The two values in binary, grouped by byte, and a marker row with '^' under each differing bit."""
        ours, theirs = _grouped(format(self.ours, "064b")), _grouped(format(self.theirs, "064b"))
        marks = "".join("^" if a != b else " " for a, b in zip(ours, theirs, strict=True))
        return ours, theirs, marks.rstrip()


def _grouped(bits: str) -> str:
    return " ".join(bits[i : i + 8] for i in range(0, len(bits), 8))


def parse_hash_hex(value: str | None) -> int | None:
    """A published 16-hex-digit pHash as an int; None when absent or not 64-bit hex."""
    text = (value or "").strip().lower()
    if len(text) != 16:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None
