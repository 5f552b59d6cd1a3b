"""XMP written and read through exiv2 (the library digiKam, darktable and gThumb use), via pyexiv2.

exiv2 writes metadata in place: a JPEG's entropy-coded data, PNG's IDAT, WebP's bitstream (animated too) and
TIFF's strips or tiles are copied as they are, and the file's other metadata (EXIF, IPTC, ICC profile, XMP of
other namespaces, extended XMP segments) is kept. It writes JPEG, PNG, WebP and classic TIFF; it reads HEIF and
AVIF but cannot write them, and knows neither BigTIFF, GIF nor BMP metadata. For those, `merged_packet` makes the
complete XMP packet (the file's own XMP merged with ours) that a sidecar holds or exiftool puts into the file.

exiv2 keeps global state (its log, the XMP toolkit's namespace table) and pyexiv2 calls it without a lock: every
call here holds `_LOCK`, so tagging from a worker thread of the app is safe.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyexiv2

from core.errors import TrainTraceError
from core.optout.xmp_fields import PLUS_VOCAB, XmpFields

WRITABLE_FORMATS = frozenset({"JPEG", "PNG", "WebP", "TIFF"})
_LOCK = threading.RLock()
_LOG_ERRORS, _LOG_MUTE = 3, 4  # pyexiv2's levels: errors become exceptions; warnings would go to stdout
_EMPTY_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta><?xpacket end="w"?>'
).encode()
_XML_DECLARATION = re.compile(rb"^<\?xml[^>]*\?>\s*")
_MERGED = "merged with its existing XMP metadata"
_REPLACED = "its existing XMP metadata was unreadable and was replaced"


class MetadataError(TrainTraceError):
    """exiv2 could not read or write the file's metadata; the message is exiv2's own reason."""


@dataclass(frozen=True)
class Tagged:
    """The tagged bytes (a whole file, or an XMP packet) and what happened to the file's existing XMP."""

    data: bytes
    notes: tuple[str, ...] = ()


def exiv2_version() -> str:
    """The version of the libexiv2 that pyexiv2 bundles (and the tags are written with)."""
    return str(pyexiv2.__exiv2_version__)


def tag_file(data: bytes, fields: XmpFields) -> Tagged:
    """`data` (a JPEG, PNG, WebP or classic TIFF file) with our properties set in its XMP, written by exiv2."""
    with _LOCK, _opened(data) as (image, notes):
        if not notes and str(image.read_raw_xmp()).strip():
            notes.append(_MERGED)
        image.modify_xmp(fields.exiv2_values())
        tagged = bytes(image.get_bytes())
    return Tagged(tagged, tuple(notes))


def merged_packet(existing: bytes | None, fields: XmpFields) -> Tagged:
    """A complete XMP packet: `existing` (a file's own packet, if any) with our properties set, made by exiv2.

    exiv2 opens the packet as an XMP sidecar file, so merging works as for any file: other namespaces kept,
    our properties replaced. An unreadable packet is replaced, and the notes say so."""
    has_existing = bool(existing and existing.strip(b"\x00 \t\r\n"))
    with _LOCK:
        try:
            with _opened(_as_sidecar(existing) if existing and has_existing else _EMPTY_PACKET) as (image, notes):
                image.modify_xmp(fields.exiv2_values())
                packet = bytes(image.get_bytes())
        except MetadataError:
            with _opened(_EMPTY_PACKET) as (image, _notes):
                image.modify_xmp(fields.exiv2_values())
                packet = bytes(image.get_bytes())
            notes = [_REPLACED]
    if has_existing and not notes:
        notes = [_MERGED]
    return Tagged(packet, tuple(notes))


def existing_packet(data: bytes) -> bytes | None:
    """The file's XMP packet as exiv2 reads it (HEIF and AVIF included), or None (none, or not readable)."""
    with _LOCK:
        try:
            with _opened(data) as (image, _notes):
                raw = str(image.read_raw_xmp())
        except MetadataError:
            return None
    return raw.encode("utf-8") if raw.strip() else None


def read_xmp(data: bytes) -> dict[str, Any]:
    """Every XMP property of a file (or an XMP packet), as exiv2 reads it: exiv2 key to value."""
    with _LOCK, _opened(data) as (image, _notes):
        return dict(image.read_xmp())


def data_mining_of(data: bytes) -> str | None:
    """The ``plus:DataMining`` code a file or packet carries, read back by exiv2 (None: none, or unreadable)."""
    try:
        value = read_xmp(data).get("Xmp.plus.DataMining")
    except MetadataError:
        return None
    return value[len(PLUS_VOCAB) :] if isinstance(value, str) and value.startswith(PLUS_VOCAB) else None


@contextmanager
def _opened(data: bytes) -> Iterator[tuple[Any, list[str]]]:
    """The image opened from bytes, and notes; XMP that exiv2's toolkit cannot parse is dropped, with a note.

    Call with `_LOCK` held. exiv2's errors are raised (its warnings would go to standard output). It reports an
    unparsable XMP packet (and only that) as a logged error while it reads the rest: the file is then opened
    again with the log muted, which leaves the XMP empty for ours to replace."""
    pyexiv2.set_log_level(_LOG_ERRORS)
    notes: list[str] = []
    try:
        try:
            image = pyexiv2.ImageData(data)
        except RuntimeError as exc:
            if "XMP Toolkit error" not in str(exc):
                raise
            pyexiv2.set_log_level(_LOG_MUTE)
            try:
                image = pyexiv2.ImageData(data)
            finally:
                pyexiv2.set_log_level(_LOG_ERRORS)
            notes.append(_REPLACED)
    except (RuntimeError, ValueError) as exc:
        raise MetadataError(_reason(exc)) from exc
    try:
        yield image, notes
    except RuntimeError as exc:
        raise MetadataError(_reason(exc)) from exc
    finally:
        image.close()


def _as_sidecar(packet: bytes) -> bytes:
    """A packet as exiv2 recognises an XMP sidecar file: starting with ``<?xpacket``, without an XML declaration."""
    text = _XML_DECLARATION.sub(b"", packet.strip(b"\x00 \t\r\n").removeprefix(b"\xef\xbb\xbf"))
    if text.startswith(b"<?xpacket"):
        return text
    return b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>' + text + b'<?xpacket end="w"?>'


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text.removeprefix("Caught Exiv2 exception: ") or type(exc).__name__
