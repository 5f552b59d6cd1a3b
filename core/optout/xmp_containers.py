"""Putting one XMP packet into JPEG, PNG, WebP and TIFF files at the byte level, never touching pixel data.

Each writer takes the file's bytes and a function that turns the file's existing packet (or None) into the new
one, so an existing packet is merged and the result holds exactly one. Everything outside the metadata is
copied verbatim: a JPEG's entropy-coded data, PNG's IDAT, WebP's bitstream and TIFF's strips or tiles.
Malformed input raises `ContainerError` with a plain reason.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

PacketMaker = Callable[[bytes | None], bytes]

JPEG_XMP_SIGNATURE = b"http://ns.adobe.com/xap/1.0/\x00"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
_JPEG_MAX_SEGMENT = 0xFFFF
_MAX_INFLATED = 4_000_000
_WEBP_XMP_FLAG = 0x04
_WEBP_ALPHA_FLAG = 0x10
_TIFF_XMP_TAG = 700
_TIFF_BYTE = 1


class ContainerError(ValueError):
    """The file is not a well-formed instance of its format (or the packet does not fit in it)."""


def jpeg_with_xmp(data: bytes, make_packet: PacketMaker) -> bytes:
    """Replace (or add) the APP1 XMP segment; all other segments and the scan data stay byte-identical."""
    segments, scan = _jpeg_segments(data)
    xmp_at = [i for i, s in enumerate(segments) if s[1:2] == b"\xe1" and s[4:].startswith(JPEG_XMP_SIGNATURE)]
    packet = make_packet(segments[xmp_at[0]][4 + len(JPEG_XMP_SIGNATURE) :] if xmp_at else None)
    payload = JPEG_XMP_SIGNATURE + packet
    if len(payload) + 2 > _JPEG_MAX_SEGMENT:
        raise ContainerError("the XMP metadata is too large for a JPEG segment")
    new_segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    kept = [segment for i, segment in enumerate(segments) if i not in xmp_at]
    position = 1  # after SOI, and after the JFIF / Exif segments that conventionally come first
    while position < len(kept) and kept[position][1:2] in (b"\xe0", b"\xe1"):
        position += 1
    kept.insert(position, new_segment)
    return b"".join(kept) + scan


def png_with_xmp(data: bytes, make_packet: PacketMaker) -> bytes:
    """Replace (or add) the ``iTXt XML:com.adobe.xmp`` chunk, placed before the first IDAT, CRC computed."""
    chunks = _png_chunks(data)
    xmp_at = [i for i, chunk in enumerate(chunks) if chunk[4:8] == b"iTXt" and _is_png_xmp(chunk)]
    packet = make_packet(_png_itxt_text(chunks[xmp_at[0]]) if xmp_at else None)
    body = PNG_XMP_KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + packet
    new_chunk = struct.pack(">I", len(body)) + b"iTXt" + body + struct.pack(">I", zlib.crc32(b"iTXt" + body))
    kept = [chunk for i, chunk in enumerate(chunks) if i not in xmp_at]
    first_idat = next(i for i, chunk in enumerate(kept) if chunk[4:8] == b"IDAT")
    kept.insert(first_idat, new_chunk)
    return PNG_SIGNATURE + b"".join(kept)


def webp_with_xmp(data: bytes, make_packet: PacketMaker) -> bytes:
    """Replace (or add) the RIFF ``XMP `` chunk; a simple-format file gains the VP8X header that allows it."""
    if len(data) < 20 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ContainerError("not a RIFF WebP file")
    chunks = _riff_chunks(data[12 : 8 + struct.unpack("<I", data[4:8])[0]])
    existing = [chunk for chunk in chunks if chunk[:4] == b"XMP "]
    packet = make_packet(existing[0][8 : 8 + struct.unpack("<I", existing[0][4:8])[0]] if existing else None)
    kept = [chunk for chunk in chunks if chunk[:4] != b"XMP "]
    if kept[0][:4] == b"VP8X":
        header = bytearray(kept[0])
        header[8] |= _WEBP_XMP_FLAG
        kept[0] = bytes(header)
    else:
        kept.insert(0, _vp8x_for_simple_file(kept[0]))
    kept.append(_riff_chunk(b"XMP ", packet))
    body = b"WEBP" + b"".join(kept)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tiff_with_xmp(data: bytes, make_packet: PacketMaker) -> bytes:
    """Point the header at a rewritten first IFD that carries tag 700; image data is never moved or changed.

    The packet and the new IFD are appended; the old first IFD stays in the file, unreferenced, and every
    offset it held still points at the same bytes. An old packet is blanked so that tools which scan files
    for ``<?xpacket`` do not find a stale second one.
    """
    order, ifd_offset = _tiff_header(data)
    entries, next_ifd = _tiff_ifd(data, order, ifd_offset)
    old_xmp = next((entry for entry in entries if entry[0] == _TIFF_XMP_TAG), None)
    packet = make_packet(_tiff_entry_bytes(data, order, old_xmp) if old_xmp else None)
    out = bytearray(data)
    if old_xmp:
        _blank_old_packet(out, order, old_xmp)
    out += b"\x00" * (len(out) % 2)
    packet_offset = len(out)
    out += packet + b"\x00" * (len(packet) % 2)
    new_ifd_offset = len(out)
    if new_ifd_offset + 6 + 12 * (len(entries) + 1) > 0xFFFFFFFF:
        raise ContainerError("the TIFF file is too large to extend")
    kept = [entry for entry in entries if entry[0] != _TIFF_XMP_TAG]
    kept.append((_TIFF_XMP_TAG, _TIFF_BYTE, len(packet), struct.pack(order + "I", packet_offset)))
    kept.sort(key=lambda entry: entry[0])
    out += struct.pack(order + "H", len(kept))
    for tag, kind, count, value in kept:
        out += struct.pack(order + "HHI", tag, kind, count) + value
    out += struct.pack(order + "I", next_ifd)
    out[4:8] = struct.pack(order + "I", new_ifd_offset)
    return bytes(out)


def _jpeg_segments(data: bytes) -> tuple[list[bytes], bytes]:
    """Marker segments up to (not including) the first SOS, and the rest of the file from SOS on."""
    if data[:2] != b"\xff\xd8":
        raise ContainerError("not a JPEG file")
    segments = [data[:2]]
    position = 2
    while True:
        start = position
        if position >= len(data) or data[position] != 0xFF:
            raise ContainerError("the JPEG header is damaged")
        while position < len(data) and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= len(data):
            raise ContainerError("the JPEG file ends before its image data")
        marker = data[position]
        if marker == 0xDA:
            return segments, data[start:]
        if marker == 0xD9:
            raise ContainerError("the JPEG file has no image data")
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            position += 1
            segments.append(data[start:position])
            continue
        if position + 3 > len(data):
            raise ContainerError("the JPEG header is truncated")
        length = struct.unpack(">H", data[position + 1 : position + 3])[0]
        end = position + 1 + length
        if length < 2 or end > len(data):
            raise ContainerError("the JPEG header is truncated")
        segments.append(b"\xff" + data[position:end])
        position = end


def _png_chunks(data: bytes) -> list[bytes]:
    if not data.startswith(PNG_SIGNATURE):
        raise ContainerError("not a PNG file")
    chunks = []
    position = len(PNG_SIGNATURE)
    seen_idat = False
    while position < len(data):
        if position + 12 > len(data):
            raise ContainerError("the PNG file is truncated")
        length = struct.unpack(">I", data[position : position + 4])[0]
        end = position + 12 + length
        if end > len(data):
            raise ContainerError("the PNG file is truncated")
        chunk = data[position:end]
        chunks.append(chunk)
        seen_idat = seen_idat or chunk[4:8] == b"IDAT"
        position = end
        if chunk[4:8] == b"IEND":
            break
    if not seen_idat:
        raise ContainerError("the PNG file has no image data")
    return chunks


def _is_png_xmp(chunk: bytes) -> bool:
    return chunk[8:].startswith(PNG_XMP_KEYWORD + b"\x00")


def _png_itxt_text(chunk: bytes) -> bytes | None:
    """The text of an iTXt chunk (inflated if compressed), or None when it cannot be read."""
    body = chunk[8:-4]
    rest = body[len(PNG_XMP_KEYWORD) + 1 :]
    if len(rest) < 2:
        return None
    compressed = rest[0] == 1
    parts = rest[2:].split(b"\x00", 2)  # language tag, translated keyword, text
    if len(parts) != 3:
        return None
    if not compressed:
        return parts[2]
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(parts[2], _MAX_INFLATED)
    except zlib.error:
        return None
    return text if not inflater.unconsumed_tail else None


def _riff_chunks(body: bytes) -> list[bytes]:
    chunks = []
    position = 0
    while position + 8 <= len(body):
        size = struct.unpack("<I", body[position + 4 : position + 8])[0]
        end = position + 8 + size + (size % 2)
        if position + 8 + size > len(body):
            raise ContainerError("the WebP file is truncated")
        chunks.append(body[position:end].ljust(8 + size + size % 2, b"\x00"))
        position = end
    if not chunks or chunks[0][:4] not in (b"VP8 ", b"VP8L", b"VP8X"):
        raise ContainerError("the WebP file has no image data")
    return chunks


def _riff_chunk(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)


def _vp8x_for_simple_file(image_chunk: bytes) -> bytes:
    """The extended-format header for a simple (VP8 or VP8L only) file: canvas size and alpha from the bitstream."""
    payload = image_chunk[8:]
    if image_chunk[:4] == b"VP8L" and len(payload) >= 5 and payload[0] == 0x2F:
        bits = struct.unpack("<I", payload[1:5])[0]
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        alpha = _WEBP_ALPHA_FLAG if (bits >> 28) & 1 else 0
    elif image_chunk[:4] == b"VP8 " and len(payload) >= 10 and payload[3:6] == b"\x9d\x01\x2a":
        width = struct.unpack("<H", payload[6:8])[0] & 0x3FFF
        height = struct.unpack("<H", payload[8:10])[0] & 0x3FFF
        alpha = 0
    else:
        raise ContainerError("the WebP bitstream header is damaged")
    flags = _WEBP_XMP_FLAG | alpha
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return _riff_chunk(b"VP8X", bytes([flags, 0, 0, 0]) + canvas)


def _tiff_header(data: bytes) -> tuple[str, int]:
    if data[:4] == b"II*\x00":
        order = "<"
    elif data[:4] == b"MM\x00*":
        order = ">"
    elif data[:2] in (b"II", b"MM") and len(data) >= 4 and data[2:4] in (b"+\x00", b"\x00+"):
        raise ContainerError("BigTIFF files are not supported")
    else:
        raise ContainerError("not a TIFF file")
    if len(data) < 8:
        raise ContainerError("the TIFF file is truncated")
    return order, struct.unpack(order + "I", data[4:8])[0]


def _tiff_ifd(data: bytes, order: str, offset: int) -> tuple[list[tuple[int, int, int, bytes]], int]:
    """Entries of one IFD as (tag, type, count, raw 4-byte value/offset) and the next IFD's offset."""
    if offset + 2 > len(data):
        raise ContainerError("the TIFF directory is outside the file")
    count = struct.unpack(order + "H", data[offset : offset + 2])[0]
    end = offset + 2 + 12 * count
    if end + 4 > len(data):
        raise ContainerError("the TIFF directory is truncated")
    entries = []
    for index in range(count):
        start = offset + 2 + 12 * index
        tag, kind, number = struct.unpack(order + "HHI", data[start : start + 8])
        entries.append((tag, kind, number, data[start + 8 : start + 12]))
    return entries, struct.unpack(order + "I", data[end : end + 4])[0]


def _tiff_entry_bytes(data: bytes, order: str, entry: tuple[int, int, int, bytes]) -> bytes | None:
    """The bytes of a BYTE/UNDEFINED entry (tag 700 is stored as one of these), or None if unreadable."""
    _, kind, count, value = entry
    if kind not in (1, 7):
        return None
    if count <= 4:
        return value[:count]
    start = struct.unpack(order + "I", value)[0]
    return data[start : start + count] if start + count <= len(data) else None


def _blank_old_packet(out: bytearray, order: str, entry: tuple[int, int, int, bytes]) -> None:
    """Overwrite a replaced out-of-line packet with spaces, only if those bytes really hold XMP text."""
    _, _, count, value = entry
    if count <= 4:
        return
    start = struct.unpack(order + "I", value)[0]
    old = bytes(out[start : start + count])
    if len(old) == count and (b"<?xpacket" in old or b"xmpmeta" in old):
        out[start : start + count] = b" " * count
