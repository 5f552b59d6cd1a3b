"""Writing the AI-training reservation into copies of the artist's works (originals are only ever read).

Each copy gets one XMP packet with IPTC ``plus:DataMining`` (default: AI/ML training prohibited) and, when the
profile names the artist, ``dc:creator``, ``dc:rights`` and ``xmpRights:Marked``. Formats are recognised by
their bytes, not by the file name. A copy never overwrites anything: a taken name gets a ``-1``, ``-2``...
suffix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from core.errors import TrainTraceError
from core.optout.c2pa_sign import SigningCredentials, SigningError, require_c2pa, sign_training_mining
from core.optout.xmp_containers import (
    PNG_SIGNATURE,
    ContainerError,
    PacketMaker,
    jpeg_with_xmp,
    png_with_xmp,
    tiff_with_xmp,
    webp_with_xmp,
)
from core.optout.xmp_packet import XmpFields, build_packet
from core.profile import Profile

DEFAULT_DATA_MINING = "DMI-PROHIBITED-AIMLTRAINING"
_MAX_NAME_ATTEMPTS = 10_000


class TagStatus(Enum):
    TAGGED = "tagged"
    UNSUPPORTED = "unsupported"
    FAILED = "failed"


@dataclass(frozen=True)
class TagResult:
    """What happened to one input: the copy written (with its SHA-256), or why there is none."""

    source: Path
    status: TagStatus
    message: str
    output: Path | None = None
    format: str = ""
    sha256: str = ""


_WRITERS: dict[str, Callable[[bytes, PacketMaker], bytes]] = {
    "JPEG": jpeg_with_xmp,
    "PNG": png_with_xmp,
    "WebP": webp_with_xmp,
    "TIFF": tiff_with_xmp,
}


def tag_copies(
    paths: list[Path],
    out_dir: Path,
    profile: Profile,
    *,
    data_mining: str = DEFAULT_DATA_MINING,
    c2pa_credentials: SigningCredentials | None = None,
) -> list[TagResult]:
    """Write a tagged copy of each supported image into `out_dir`; one result per input, in input order.

    With `c2pa_credentials`, each copy also gets a signed C2PA ``cawg.training-mining`` manifest (added after
    the XMP, since the signature covers the file's bytes).
    """
    fields = XmpFields(data_mining=data_mining, creator=profile.name.strip(), rights=_rights_notice(profile))
    if c2pa_credentials is not None:
        require_c2pa()  # a missing optional package is one error for the whole call, before any copy is written
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrainTraceError(f"Cannot create the folder {out_dir}: {exc.strerror or exc}") from exc
    return [_tag_one(path, out_dir, fields, c2pa_credentials) for path in paths]


def detect_format(head: bytes) -> str | None:
    """The container format from the first bytes of a file, or None if it is not one we can tag."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(PNG_SIGNATURE):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):  # classic TIFF; BigTIFF is not supported
        return "TIFF"
    return None


def _tag_one(source: Path, out_dir: Path, fields: XmpFields, credentials: SigningCredentials | None) -> TagResult:
    try:
        data = source.read_bytes()
    except OSError as exc:
        return TagResult(source, TagStatus.FAILED, f"cannot read the file: {exc.strerror or exc}")
    kind = detect_format(data[:16])
    if kind is None:
        return TagResult(source, TagStatus.UNSUPPORTED, "not a JPEG, PNG, WebP or TIFF file; left alone")
    notes: list[str] = []

    def make_packet(existing: bytes | None) -> bytes:
        built = build_packet(fields, existing)
        if built.replaced_unreadable:
            notes.append("its existing XMP metadata was unreadable and was replaced")
        elif existing:
            notes.append("merged with its existing XMP metadata")
        return built.packet

    try:
        tagged = _WRITERS[kind](data, make_packet)
    except ContainerError as exc:
        return TagResult(source, TagStatus.FAILED, f"cannot tag this {kind} file: {exc}", format=kind)
    if credentials is not None:
        try:
            tagged = sign_training_mining(tagged, kind, source.name, credentials)
        except SigningError as exc:
            return TagResult(source, TagStatus.FAILED, str(exc), format=kind)
        notes.append("signed C2PA training-and-mining assertion added")
    try:
        output = _write_new_file(out_dir, source.name, tagged)
    except OSError as exc:
        return TagResult(source, TagStatus.FAILED, f"cannot write the copy: {exc.strerror or exc}", format=kind)
    message = "tagged copy written" + (f" ({'; '.join(notes)})" if notes else "")
    return TagResult(source, TagStatus.TAGGED, message, output, kind, hashlib.sha256(tagged).hexdigest())


def _write_new_file(out_dir: Path, name: str, data: bytes) -> Path:
    """Create a file that did not exist before ('x' mode), so neither an original nor a copy is overwritten."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for attempt in range(_MAX_NAME_ATTEMPTS):
        candidate = out_dir / (name if attempt == 0 else f"{stem}-{attempt}{suffix}")
        try:
            handle = candidate.open("xb")
        except FileExistsError:
            continue
        try:
            with handle:
                handle.write(data)
        except BaseException:
            candidate.unlink(missing_ok=True)  # ours: created by the open above
            raise
        return candidate
    raise FileExistsError(f"no free name for {name} in {out_dir}")


def _rights_notice(profile: Profile) -> str:
    name = profile.name.strip()
    if not name:
        return ""
    return (
        f"© {name}. All rights reserved. Text and data mining, including AI training, is reserved "
        "(EU Directive 2019/790, Art. 4(3))."
    )
