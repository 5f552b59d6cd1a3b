"""Writing the AI-training reservation into copies of the artist's works (originals are only ever read).

Each copy carries IPTC ``plus:DataMining`` (default: AI/ML training prohibited), the usage terms in plain words
and, when the profile names the artist, ``dc:creator``, ``dc:rights`` and ``xmpRights:Marked`` (see
`xmp_fields`). How a copy gets them depends on its format, recognised by its bytes, and every result says which
way was taken (`TagMethod`):

- JPEG, PNG, WebP (animated too), classic TIFF: exiv2 writes the XMP in place; pixels and every other piece of
  metadata (EXIF, IPTC, ICC profile, other XMP, extended XMP) stay as they are. A multi-page TIFF is written
  page by page by `tiff_pages` instead, with packets made by exiv2: exiv2 would drop its pages after the fourth.
- HEIC/HEIF and AVIF, which exiv2 cannot write (`HeifMethod`): exiftool writes the packet in place where it is
  installed; otherwise the copy is the unchanged file with an XMP sidecar beside it; on request, a copy
  re-encoded with the metadata embedded, whose pixels differ (the result says by how much).
- GIF and BMP, which carry no XMP that exiv2 writes: a PNG copy (every frame, same pixels, checked) tagged by exiv2.
- BigTIFF, which neither exiv2 nor exiftool writes: the unchanged file with an XMP sidecar.

exiv2 reads every copy back before it is written: a copy that does not carry the code is not written. A copy
never overwrites anything: a taken name gets a ``-1``, ``-2``... suffix (a sidecar's name follows its copy's).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image

from core.errors import MissingComponent, TrainTraceError
from core.optout.c2pa_sign import SigningCredentials, SigningError, require_c2pa, sign_training_mining
from core.optout.exiftool import ExiftoolError, find_exiftool, write_xmp_packet
from core.optout.exiv2_xmp import MetadataError, data_mining_of, existing_packet, merged_packet, tag_file
from core.optout.tiff_pages import TiffError, page_count, tiff_pages_with_xmp
from core.optout.xmp_fields import XmpFields
from core.profile import Profile

pillow_heif.register_heif_opener()

DEFAULT_DATA_MINING = "DMI-PROHIBITED-AIMLTRAINING"
REENCODE_QUALITY = 95  # a re-encoded HEIC/AVIF copy (only when asked for): high, but still lossy
_MAX_NAME_ATTEMPTS = 10_000
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})


class TagStatus(Enum):
    TAGGED = "tagged"
    UNSUPPORTED = "unsupported"
    FAILED = "failed"


class TagMethod(Enum):
    """How a copy got its tag."""

    EXIV2 = "written in place by exiv2"
    TIFF_PAGES = "written in place into each page (exiv2 would drop pages)"
    EXIFTOOL = "written in place by exiftool"
    SIDECAR = "unchanged copy with an XMP sidecar"
    CONVERTED = "converted to PNG and written by exiv2"
    REENCODED = "re-encoded with the metadata embedded"


class HeifMethod(Enum):
    """How HEIC/HEIF and AVIF copies get the tag (exiv2 cannot write them)."""

    AUTO = "auto"  # exiftool where it is installed, else a sidecar
    EXIFTOOL = "exiftool"  # in place, pixels untouched; needs exiftool
    SIDECAR = "sidecar"  # the unchanged file and NAME.xmp beside it; the tag does not travel with the file
    REENCODE = "reencode"  # embedded, but the image is encoded again: its pixels change


@dataclass(frozen=True)
class TagResult:
    """What happened to one input: the copy written (with its SHA-256) and how, or why there is none."""

    source: Path
    status: TagStatus
    message: str
    output: Path | None = None
    format: str = ""
    sha256: str = ""
    method: TagMethod | None = None
    sidecar: Path | None = None
    sidecar_sha256: str = ""


@dataclass(frozen=True)
class _Options:
    """What every copy of one call shares: the fields, and how HEIC/AVIF copies are made (and why)."""

    fields: XmpFields
    heif: HeifMethod  # never AUTO: resolved by `tag_copies`
    exiftool: str | None
    no_exiftool: str = ""  # why a HEIC/AVIF copy has a sidecar when one was not asked for


@dataclass(frozen=True)
class _Copy:
    """A tagged copy before it is written: its bytes, its name's suffix, an optional sidecar packet, notes."""

    data: bytes
    method: TagMethod
    suffix: str
    sidecar: bytes | None = None
    notes: tuple[str, ...] = ()


def tag_copies(
    paths: list[Path],
    out_dir: Path,
    profile: Profile,
    *,
    data_mining: str = DEFAULT_DATA_MINING,
    other_constraints: str = "",
    heif: HeifMethod = HeifMethod.AUTO,
    c2pa_credentials: SigningCredentials | None = None,
) -> list[TagResult]:
    """Write a tagged copy of each supported image into `out_dir`; one result per input, in input order.

    With `c2pa_credentials`, each copy also gets a signed C2PA ``cawg.training-mining`` manifest (added after
    the XMP, since the signature covers the file's bytes).
    """
    fields = XmpFields.for_profile(profile, data_mining, other_constraints)
    exiftool = find_exiftool() if heif in (HeifMethod.AUTO, HeifMethod.EXIFTOOL) else None
    if heif is HeifMethod.EXIFTOOL and exiftool is None:
        raise MissingComponent(
            "Writing into HEIC and AVIF copies in place needs exiftool, which is not installed (Debian and Ubuntu: "
            "apt install libimage-exiftool-perl; macOS: brew install exiftool); or choose the sidecar or reencode way."
        )
    if c2pa_credentials is not None:
        require_c2pa()  # a missing optional package is one error for the whole call, before any copy is written
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrainTraceError(f"Cannot create the folder {out_dir}: {exc.strerror or exc}") from exc
    why = "exiftool, which writes into them, is not installed" if heif is HeifMethod.AUTO and not exiftool else ""
    if heif is HeifMethod.AUTO:
        heif = HeifMethod.EXIFTOOL if exiftool else HeifMethod.SIDECAR
    options = _Options(fields, heif, exiftool, why)
    return [_tag_one(path, out_dir, options, c2pa_credentials) for path in paths]


def detect_format(head: bytes) -> str | None:
    """The container format from the first bytes of a file (64 are enough), or None if it is not an image."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(_PNG_SIGNATURE):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:4] in (b"II+\x00", b"MM\x00+"):
        return "BigTIFF"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:2] == b"BM" and len(head) >= 26:
        return "BMP"
    if head[4:8] == b"ftyp":
        size = int.from_bytes(head[:4], "big")
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
        if head[8:12] in _AVIF_BRANDS or (brands & _AVIF_BRANDS and not brands & (_HEIF_BRANDS - {b"mif1", b"msf1"})):
            return "AVIF"
        if brands & _HEIF_BRANDS:
            return "HEIC"
    return None


def _tag_one(source: Path, out_dir: Path, options: _Options, credentials: SigningCredentials | None) -> TagResult:
    try:
        data = source.read_bytes()
    except OSError as exc:
        return TagResult(source, TagStatus.FAILED, f"cannot read the file: {exc.strerror or exc}")
    kind = detect_format(data[:64])
    if kind is None:
        return TagResult(
            source, TagStatus.UNSUPPORTED, "not a JPEG, PNG, WebP, TIFF, GIF, BMP, HEIC or AVIF file; left alone"
        )
    try:
        copy = _WAYS[kind](data, kind, options)
        copy = _read_back(copy, kind, options.fields)
    except (MetadataError, ExiftoolError, TiffError, _NotTaggedError) as exc:
        return TagResult(source, TagStatus.FAILED, f"cannot tag this {kind} file: {exc}", format=kind)
    notes = list(copy.notes)
    tagged = copy.data
    if credentials is not None:
        try:
            if copy.method is TagMethod.TIFF_PAGES:  # measured with c2pa-python 0.38
                raise SigningError(
                    "C2PA signing is not available for multi-page TIFF files: c2pa adds its manifest as a page "
                    "without an image, which image readers reject"
                )
            tagged = sign_training_mining(tagged, _signed_format(kind, copy), source.name, credentials)
        except SigningError as exc:
            return TagResult(source, TagStatus.FAILED, str(exc), format=kind)
        notes.append("signed C2PA training-and-mining assertion added")
    name = Path(source.name).with_suffix(copy.suffix).name if copy.suffix else source.name
    try:
        output, sidecar = _write_new_files(out_dir, name, tagged, copy.sidecar)
    except OSError as exc:
        return TagResult(source, TagStatus.FAILED, f"cannot write the copy: {exc.strerror or exc}", format=kind)
    message = "tagged copy written, " + copy.method.value + (f" ({'; '.join(notes)})" if notes else "")
    return TagResult(
        source, TagStatus.TAGGED, message, output, kind, hashlib.sha256(tagged).hexdigest(), copy.method, sidecar,
        hashlib.sha256(copy.sidecar).hexdigest() if copy.sidecar is not None else "",
    )  # fmt: skip


class _NotTaggedError(Exception):
    """A copy that cannot be made as promised (pixels not identical, the tag not read back)."""


def _in_place(data: bytes, kind: str, options: _Options) -> _Copy:
    tagged = tag_file(data, options.fields)
    return _Copy(tagged.data, TagMethod.EXIV2, "", notes=("pixels unchanged", *tagged.notes))


def _tiff(data: bytes, kind: str, options: _Options) -> _Copy:
    """A single-page TIFF by exiv2; a multi-page one page by page (exiv2 keeps four IFDs at most)."""
    pages = page_count(data)
    if pages == 1:
        return _in_place(data, kind, options)
    notes: list[str] = []

    def make_packet(existing: bytes | None) -> bytes:
        packet = merged_packet(existing, options.fields)
        notes.extend(note for note in packet.notes if note not in notes)
        return packet.data

    tagged = tiff_pages_with_xmp(data, make_packet)
    return _Copy(tagged, TagMethod.TIFF_PAGES, "", notes=(f"all {pages} pages kept, pixels unchanged", *notes))


def _converted(data: bytes, kind: str, options: _Options) -> _Copy:
    png = _as_png(data)
    frames = _rgba_frames(data)
    if _rgba_frames(png) != frames:
        raise _NotTaggedError(f"its PNG copy would not have the same pixels as the {kind} file")
    tagged = tag_file(png, options.fields)
    what = f"all {len(frames)} frames, " if len(frames) > 1 else ""
    reason = f"exiv2 does not write metadata into {kind} files"
    return _Copy(tagged.data, TagMethod.CONVERTED, ".png", notes=(reason, f"{what}same pixels", *tagged.notes))


def _bmff(data: bytes, kind: str, options: _Options) -> _Copy:
    packet = merged_packet(_existing_xmp(data), options.fields)
    if options.heif is HeifMethod.EXIFTOOL and options.exiftool is not None:
        written = write_xmp_packet(options.exiftool, data, packet.data)
        return _Copy(written, TagMethod.EXIFTOOL, "", notes=("pixels unchanged", *packet.notes))
    if options.heif is HeifMethod.REENCODE:
        reencoded, difference = _reencoded(data, kind, packet.data)
        change = f"pixels changed: up to {difference} of 255 levels" if difference else "pixels unchanged"
        note = f"{kind} encoded again at quality {REENCODE_QUALITY}, primary image only; {change}"
        return _Copy(reencoded, TagMethod.REENCODED, "", notes=(note, *packet.notes))
    return _sidecar_copy(data, kind, packet.data, (options.no_exiftool, *packet.notes))


def _bigtiff(data: bytes, kind: str, options: _Options) -> _Copy:
    packet = merged_packet(_existing_xmp(data), options.fields)
    why = "neither exiv2 nor exiftool writes into BigTIFF files"
    return _sidecar_copy(data, kind, packet.data, (why, *packet.notes))


def _sidecar_copy(data: bytes, kind: str, packet: bytes, notes: tuple[str, ...]) -> _Copy:
    where = f"the copy is the original file; the tag is in the XMP sidecar beside it, not in the {kind} file"
    return _Copy(data, TagMethod.SIDECAR, "", packet, tuple(note for note in (where, *notes) if note))


_WAYS: dict[str, Callable[[bytes, str, _Options], _Copy]] = {
    "JPEG": _in_place,
    "PNG": _in_place,
    "WebP": _in_place,
    "TIFF": _tiff,
    "GIF": _converted,
    "BMP": _converted,
    "HEIC": _bmff,
    "AVIF": _bmff,
    "BigTIFF": _bigtiff,
}


def _read_back(copy: _Copy, kind: str, fields: XmpFields) -> _Copy:
    """The copy, once exiv2 reads our code back from it (or its sidecar); else `_NotTaggedError`.

    One measured exception: exiv2 (0.27 and 0.28) does not find the XMP item that exiftool adds to a HEIC file
    that had no XMP, which exiftool and libheif read. There the packet libheif reads is checked, and the
    result says so."""
    carrier = copy.sidecar if copy.sidecar is not None else copy.data
    if data_mining_of(carrier) == fields.data_mining:
        return copy
    if copy.method is TagMethod.EXIFTOOL:
        with _decoded(copy.data) as image:
            packet = image.info.get("xmp")
        if isinstance(packet, bytes) and data_mining_of(packet) == fields.data_mining:
            note = f"exiv2 does not find the XMP item exiftool added to this {kind} file; exiftool and libheif do"
            return _Copy(copy.data, copy.method, copy.suffix, copy.sidecar, (*copy.notes, note))
    raise _NotTaggedError("exiv2 does not read the Data Mining value back from the copy")


def _signed_format(kind: str, copy: _Copy) -> str:
    return "PNG" if copy.method is TagMethod.CONVERTED else "TIFF" if kind == "BigTIFF" else kind


def _decoded(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data))
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise _NotTaggedError(f"Pillow cannot decode it: {exc}") from exc


def _rgba_frames(data: bytes) -> list[bytes]:
    with _decoded(data) as image:
        frames = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            frames.append(image.convert("RGBA").tobytes())
        return frames


def _as_png(data: bytes) -> bytes:
    """A GIF or BMP as PNG: a still keeps its mode and palette; an animation becomes APNG with its timing."""
    buffer = io.BytesIO()
    with _decoded(data) as image:
        icc = {"icc_profile": image.info["icc_profile"]} if image.info.get("icc_profile") else {}
        count = getattr(image, "n_frames", 1)
        if count == 1:
            image.load()
            transparency = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
            image.save(buffer, "PNG", **icc, **transparency)
            return buffer.getvalue()
        frames, durations = [], []
        for index in range(count):
            image.seek(index)
            frames.append(image.convert("RGBA"))
            durations.append(image.info.get("duration", 100))
        loop = image.info.get("loop", 1)  # a GIF without a loop count plays once; APNG's 0 is forever, as GIF's
        frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:], duration=durations, loop=loop,
                       disposal=0, blend=0, **icc)  # fmt: skip
    return buffer.getvalue()


def _reencoded(data: bytes, kind: str, packet: bytes) -> tuple[bytes, int]:
    """The primary image encoded again with EXIF, ICC profile and `packet`; the largest pixel difference."""
    buffer = io.BytesIO()
    with _decoded(data) as image:
        image.load()
        kept = {key: image.info[key] for key in ("exif", "icc_profile") if image.info.get(key)}
        image.save(buffer, "AVIF" if kind == "AVIF" else "HEIF", quality=REENCODE_QUALITY, xmp=packet, **kept)
        before = np.asarray(image, dtype=np.int32)
    with _decoded(buffer.getvalue()) as copy:
        after = np.asarray(copy, dtype=np.int32)
    if before.shape != after.shape:
        raise _NotTaggedError("its re-encoded copy does not have the same size or channels")
    return buffer.getvalue(), int(np.abs(before - after).max(initial=0))


def _existing_xmp(data: bytes) -> bytes | None:
    """The file's XMP packet: as exiv2 reads it, else as Pillow does (BigTIFF, or XMP exiv2 could not parse)."""
    found = existing_packet(data)
    if found is not None:
        return found
    with _decoded(data) as image:
        xmp = image.info.get("xmp")
    return bytes(xmp) if isinstance(xmp, bytes | bytearray) and xmp else None


def _write_new_files(out_dir: Path, name: str, data: bytes, sidecar: bytes | None) -> tuple[Path, Path | None]:
    """Create files that did not exist before ('x' mode): the copy and its sidecar, if any, under one free stem.

    Neither an original nor an earlier copy is ever overwritten."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for attempt in range(_MAX_NAME_ATTEMPTS):
        candidate = out_dir / (name if attempt == 0 else f"{stem}-{attempt}{suffix}")
        beside = candidate.with_suffix(".xmp") if sidecar is not None else None
        if beside is not None and beside.exists():
            continue
        if not _create(candidate, data):
            continue
        if beside is not None and sidecar is not None and not _create(beside, sidecar, undo=candidate):
            continue
        return candidate, beside
    raise FileExistsError(f"no free name for {name} in {out_dir}")


def _create(path: Path, data: bytes, undo: Path | None = None) -> bool:
    """Write a new file; False if the name is taken (then `undo`, a file just created for it, is removed)."""
    try:
        handle = path.open("xb")
    except FileExistsError:
        if undo is not None:
            undo.unlink(missing_ok=True)
        return False
    try:
        with handle:
            handle.write(data)
    except BaseException:
        path.unlink(missing_ok=True)  # ours: created by the open above
        if undo is not None:
            undo.unlink(missing_ok=True)
        raise
    return True
