"""XMP in every page of a multi-page TIFF, at the byte level: the one case where exiv2 is not used.

Measured with exiv2 0.28 (pyexiv2 2.16): exiv2 knows four IFDs of a TIFF's main chain (it takes the second for a
thumbnail), so a six-page file comes back with four pages, and it rewrites the first page's XMP only, leaving the
old XMP of the other pages for readers such as exiftool to report beside ours. Here no page is dropped and every
page that carries XMP (and the first page always) gets its packet, made by exiv2 (`merged_packet`).

Each rewritten IFD is appended with its new tag 700 and the pointer to it (the header's, or the previous page's
next-IFD field) is changed; the old IFD stays in the file, unreferenced, and every offset it held still points at
the same bytes, so strips, tiles and every other tag are untouched. A replaced packet is blanked, so that tools
which scan files for ``<?xpacket`` do not find a stale one. Malformed input raises `TiffError`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

PacketMaker = Callable[[bytes | None], bytes]

_XMP_TAG = 700
_BYTE, _UNDEFINED = 1, 7
_MAX_PAGES = 100_000


class TiffError(ValueError):
    """The file is not a well-formed classic TIFF (or would grow past 4 GiB)."""


@dataclass(frozen=True)
class _Ifd:
    offset: int
    entries: list[tuple[int, int, int, bytes]]  # tag, type, count, raw 4-byte value or offset
    next_field: int  # where this IFD's next-IFD offset is stored
    next_ifd: int


def page_count(data: bytes) -> int:
    """How many IFDs (pages) a classic TIFF's main chain holds."""
    order, first = _header(data)
    return len(_chain(data, order, first))


def tiff_pages_with_xmp(data: bytes, make_packet: PacketMaker) -> bytes:
    """Every page that has XMP (and the first) with the packet `make_packet` makes from that page's old one."""
    order, first = _header(data)
    chain = _chain(data, order, first)
    out = bytearray(data)
    following = 0  # the final offset of the page after the one being handled (0: none)
    for index in reversed(range(len(chain))):
        ifd = chain[index]
        old = next((entry for entry in ifd.entries if entry[0] == _XMP_TAG), None)
        if index > 0 and old is None:
            out[ifd.next_field : ifd.next_field + 4] = struct.pack(order + "I", following)
            following = ifd.offset
            continue
        packet = make_packet(_entry_bytes(data, order, old) if old else None)
        if old:
            _blank(out, order, old)
        following = _append_ifd(out, order, ifd, packet, following)
    out[4:8] = struct.pack(order + "I", following)
    return bytes(out)


def _append_ifd(out: bytearray, order: str, ifd: _Ifd, packet: bytes, next_ifd: int) -> int:
    out += b"\x00" * (len(out) % 2)
    packet_offset = len(out)
    out += packet + b"\x00" * (len(packet) % 2)
    new_offset = len(out)
    if new_offset + 6 + 12 * (len(ifd.entries) + 1) > 0xFFFFFFFF:
        raise TiffError("the TIFF file is too large to extend")
    entries = [entry for entry in ifd.entries if entry[0] != _XMP_TAG]
    entries.append((_XMP_TAG, _BYTE, len(packet), struct.pack(order + "I", packet_offset)))
    entries.sort(key=lambda entry: entry[0])
    out += struct.pack(order + "H", len(entries))
    for tag, kind, count, value in entries:
        out += struct.pack(order + "HHI", tag, kind, count) + value
    out += struct.pack(order + "I", next_ifd)
    return new_offset


def _header(data: bytes) -> tuple[str, int]:
    if data[:4] == b"II*\x00":
        order = "<"
    elif data[:4] == b"MM\x00*":
        order = ">"
    else:
        raise TiffError("not a classic TIFF file")
    if len(data) < 8:
        raise TiffError("the TIFF file is truncated")
    return order, struct.unpack(order + "I", data[4:8])[0]


def _chain(data: bytes, order: str, offset: int) -> list[_Ifd]:
    chain: list[_Ifd] = []
    seen: set[int] = set()
    while offset:
        if offset in seen or len(chain) >= _MAX_PAGES:
            raise TiffError("the TIFF file's pages form a loop")
        seen.add(offset)
        chain.append(_ifd(data, order, offset))
        offset = chain[-1].next_ifd
    if not chain:
        raise TiffError("the TIFF file has no image")
    return chain


def _ifd(data: bytes, order: str, offset: int) -> _Ifd:
    if offset + 2 > len(data):
        raise TiffError("a TIFF directory is outside the file")
    count = struct.unpack(order + "H", data[offset : offset + 2])[0]
    end = offset + 2 + 12 * count
    if end + 4 > len(data):
        raise TiffError("a TIFF directory is truncated")
    entries = []
    for index in range(count):
        start = offset + 2 + 12 * index
        tag, kind, number = struct.unpack(order + "HHI", data[start : start + 8])
        entries.append((tag, kind, number, data[start + 8 : start + 12]))
    return _Ifd(offset, entries, end, struct.unpack(order + "I", data[end : end + 4])[0])


def _entry_bytes(data: bytes, order: str, entry: tuple[int, int, int, bytes]) -> bytes | None:
    """The bytes of a BYTE/UNDEFINED entry (tag 700 is stored as one of these), or None if unreadable."""
    _, kind, count, value = entry
    if kind not in (_BYTE, _UNDEFINED):
        return None
    if count <= 4:
        return value[:count]
    start = struct.unpack(order + "I", value)[0]
    return data[start : start + count] if start + count <= len(data) else None


def _blank(out: bytearray, order: str, entry: tuple[int, int, int, bytes]) -> None:
    """Overwrite a replaced out-of-line packet with spaces, only if those bytes really hold XMP text."""
    _, _, count, value = entry
    if count <= 4:
        return
    start = struct.unpack(order + "I", value)[0]
    old = bytes(out[start : start + count])
    if len(old) == count and (b"<?xpacket" in old or b"xmpmeta" in old):
        out[start : start + count] = b" " * count
