"""Tagged copies, read back with exiftool; originals untouched; pixels (and JPEG scan bytes) unchanged."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from core.errors import UsageError
from core.optout.tagging import TagResult, TagStatus, tag_copies
from core.profile import Profile

PROFILE = Profile(name="Ada Okonkwo-Lindqvist")
PROHIBITED = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING"
OLD_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:acme="http://acme.example/ns/1.0/"'
    ' plus:DataMining="http://ns.useplus.org/ldf/vocab/DMI-ALLOWED" acme:Shelf="B4">'
    '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Sea at dusk</rdf:li></rdf:Alt></dc:title>'
    "<dc:creator><rdf:Seq><rdf:li>Old Name</rdf:li></rdf:Seq></dc:creator>"
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
).encode()

Maker = Callable[[Path, bytes | None], None]


def _picture(mode: str = "RGBA") -> Image.Image:
    image = Image.new(mode, (23, 17))
    image.putdata([((x * 11) % 256, (x * 7) % 256, (x * 3) % 256, 40 + x % 200)[: len(mode)] for x in range(23 * 17)])
    return image


def _jpeg(path: Path, xmp: bytes | None) -> None:
    exif = Image.Exif()
    exif[0x010E] = "a description"
    kwargs = {"xmp": xmp} if xmp else {}
    _picture("RGB").save(path, "JPEG", quality=85, exif=exif.tobytes(), **kwargs)


def _png(path: Path, xmp: bytes | None) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "keep me")
    if xmp:
        info.add_itxt("XML:com.adobe.xmp", xmp.decode(), zip=True)
    _picture().save(path, "PNG", pnginfo=info)


def _webp_lossless(path: Path, xmp: bytes | None) -> None:
    _picture().save(path, "WEBP", lossless=True, **({"xmp": xmp} if xmp else {}))


def _webp_lossy(path: Path, xmp: bytes | None) -> None:
    _picture("RGB").save(path, "WEBP", quality=70, **({"xmp": xmp} if xmp else {}))


def _webp_lossy_alpha(path: Path, xmp: bytes | None) -> None:
    _picture().save(path, "WEBP", quality=70, **({"xmp": xmp} if xmp else {}))


def _tiff_lzw(path: Path, xmp: bytes | None) -> None:
    _picture().save(path, "TIFF", compression="tiff_lzw", **({"tiffinfo": {700: xmp}} if xmp else {}))


def _tiff_big_endian(path: Path, xmp: bytes | None) -> None:
    # Pillow writes little-endian TIFF only; tifffile writes Motorola byte order, deflate-compressed.
    tifffile = pytest.importorskip("tifffile")
    numpy = pytest.importorskip("numpy")
    pixels = numpy.asarray(_picture("RGB"))
    extratags = [(700, 1, len(xmp), xmp, True)] if xmp else []
    tifffile.imwrite(path, pixels, byteorder=">", compression="zlib", photometric="rgb", extratags=extratags)
    assert path.read_bytes()[:2] == b"MM"


MAKERS: dict[str, Maker] = {
    "a.jpg": _jpeg,
    "b.png": _png,
    "c.webp": _webp_lossless,
    "d.webp": _webp_lossy,
    "e.webp": _webp_lossy_alpha,
    "f.tif": _tiff_lzw,
    "g.tiff": _tiff_big_endian,
}


def _exiftool() -> str:
    binary = shutil.which("exiftool")
    if binary is None:
        pytest.skip("exiftool is not installed (Debian package libimage-exiftool-perl)")
    return binary


def _read_back(*paths: Path) -> list[dict[str, object]]:
    """Tags of each file as exiftool reports them (one exiftool run for all files: it starts slowly)."""
    command = [_exiftool(), "-j", "-n", "-XMP-plus:DataMining", "-XMP-dc:all", "-XMP-xmpRights:all", "-XMP-acme:all"]
    result = subprocess.run([*command, *map(str, paths)], check=True, capture_output=True, text=True)
    by_file = {item["SourceFile"]: item for item in json.loads(result.stdout)}
    return [by_file[str(path)] for path in paths]


def _pixels(path: Path) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(path) as image:
        image.load()
        return image.mode, image.size, image.tobytes()


def _jpeg_parts(data: bytes) -> tuple[list[bytes], bytes]:
    """Marker segments before the first SOS, and the bytes from SOS on (a test-local reader)."""
    segments, position = [], 2
    while data[position + 1] != 0xDA:
        end = position + 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        segments.append(data[position:end])
        position = end
    return segments, data[position:]


def _make(tmp_path: Path, name: str, xmp: bytes | None = None) -> Path:
    source = tmp_path / "originals" / name
    source.parent.mkdir(exist_ok=True)
    MAKERS[name](source, xmp)
    return source


def _tag(sources: list[Path], out: Path, **kwargs: str) -> list[TagResult]:
    results = tag_copies(sources, out, PROFILE, **kwargs)
    assert len(results) == len(sources)
    return results


def test_copies_carry_the_reservation_and_the_same_pixels(tmp_path: Path) -> None:
    sources = [_make(tmp_path, name) for name in MAKERS]
    before = {source: (source.read_bytes(), source.stat().st_mtime_ns) for source in sources}
    results = _tag(sources, tmp_path / "out")
    outputs = [result.output for result in results]
    assert outputs == [tmp_path / "out" / name for name in MAKERS], [result.message for result in results]
    for source, result, tags in zip(sources, results, _read_back(*[tmp_path / "out" / n for n in MAKERS]), strict=True):
        assert result.status is TagStatus.TAGGED and result.output is not None
        copy = result.output.read_bytes()
        assert hashlib.sha256(copy).hexdigest() == result.sha256
        assert (source.read_bytes(), source.stat().st_mtime_ns) == before[source]  # original untouched
        assert tags["DataMining"] == PROHIBITED, source.name
        assert tags["Creator"] == PROFILE.name
        assert str(tags["Rights"]).startswith(f"© {PROFILE.name}. All rights reserved.")
        assert tags["Marked"] in (True, 1, "True")
        assert copy.count(b"<?xpacket begin") == 1
        assert _pixels(result.output) == _pixels(source), source.name


def test_jpeg_is_not_reencoded(tmp_path: Path) -> None:
    source = _make(tmp_path, "a.jpg")
    [result] = _tag([source], tmp_path / "out")
    assert result.output is not None
    (original_segments, original_scan), (copy_segments, copy_scan) = map(
        _jpeg_parts, (source.read_bytes(), result.output.read_bytes())
    )
    assert copy_scan == original_scan  # entropy-coded data byte-identical: no re-encoding
    xmp = [s for s in copy_segments if s[4:].startswith(b"http://ns.adobe.com/xap/1.0/\x00")]
    assert len(xmp) == 1
    assert [s for s in copy_segments if s not in xmp] == original_segments  # tables and frame header verbatim
    copy = result.output.read_bytes()
    assert copy.count(b"http://ns.adobe.com/xap/1.0/\x00") == 1


def test_lossy_webp_bitstream_kept_verbatim(tmp_path: Path) -> None:
    source = _make(tmp_path, "d.webp")
    [result] = _tag([source], tmp_path / "out")
    assert result.output is not None
    original, copy = source.read_bytes(), result.output.read_bytes()
    assert original[12:] in copy and copy[12:16] == b"VP8X"
    assert int.from_bytes(copy[4:8], "little") == len(copy) - 8


def test_existing_xmp_is_merged_into_one_packet(tmp_path: Path) -> None:
    sources = [_make(tmp_path, name, OLD_PACKET) for name in MAKERS]
    results = _tag(sources, tmp_path / "out")
    outputs = [result.output for result in results if result.output is not None]
    assert len(outputs) == len(sources), [result.message for result in results]
    tags = _read_back(*sources, *outputs)
    for source, result, old, new in zip(sources, results, tags[: len(sources)], tags[len(sources) :], strict=True):
        assert old["DataMining"] == "http://ns.useplus.org/ldf/vocab/DMI-ALLOWED", source.name
        assert "merged" in result.message
        assert new["DataMining"] == PROHIBITED, source.name
        assert new["Creator"] == PROFILE.name
        assert (new["Title"], new["Shelf"]) == ("Sea at dusk", "B4")
        assert result.output is not None and result.output.read_bytes().count(b"<?xpacket begin") == 1
        assert _pixels(result.output) == _pixels(source)


def test_unreadable_existing_xmp_is_replaced(tmp_path: Path) -> None:
    source = _make(tmp_path, "a.jpg", b"<x:xmpmeta><not closed")
    [result] = _tag([source], tmp_path / "out")
    assert result.status is TagStatus.TAGGED and "unreadable" in result.message
    assert result.output is not None and _read_back(result.output)[0]["DataMining"] == PROHIBITED


def test_other_data_mining_code_and_anonymous_profile(tmp_path: Path) -> None:
    source = _make(tmp_path, "b.png")
    [result] = tag_copies([source], tmp_path / "out", Profile(), data_mining="DMI-PROHIBITED-GENAIMLTRAINING")
    assert result.output is not None
    [tags] = _read_back(result.output)
    assert tags["DataMining"] == "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING"
    assert "Creator" not in tags and "Rights" not in tags
    with pytest.raises(UsageError, match="Data Mining"):
        tag_copies([source], tmp_path / "out", PROFILE, data_mining="DMI-MAYBE")


def test_name_collisions_never_overwrite(tmp_path: Path) -> None:
    source = _make(tmp_path, "a.jpg")
    original = source.read_bytes()
    first, second = _tag([source, source], tmp_path / "out")
    assert first.output == tmp_path / "out" / "a.jpg" and second.output == tmp_path / "out" / "a-1.jpg"
    [beside] = _tag([source], source.parent)  # output folder = the originals' folder
    assert beside.output == source.parent / "a-1.jpg"
    assert source.read_bytes() == original


def test_unsupported_and_broken_files_are_reported(tmp_path: Path) -> None:
    gif = tmp_path / "anim.gif"
    Image.new("L", (4, 4)).save(gif)
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(_make(tmp_path, "a.jpg").read_bytes()[:40])
    no_idat = tmp_path / "empty.png"
    no_idat.write_bytes(_make(tmp_path, "b.png").read_bytes()[:33])
    results = _tag([gif, text, truncated, no_idat, tmp_path / "absent.png"], tmp_path / "out")
    statuses = [result.status for result in results]
    assert statuses == [TagStatus.UNSUPPORTED, TagStatus.UNSUPPORTED] + [TagStatus.FAILED] * 3
    assert all(result.message and result.output is None for result in results)
    assert not list((tmp_path / "out").iterdir())


def test_progressive_jpeg_without_app_segments(tmp_path: Path) -> None:
    source = tmp_path / "p.jpg"
    _picture("RGB").save(source, "JPEG", quality=80, progressive=True)
    stripped = source.read_bytes()
    assert stripped[2:4] == b"\xff\xe0"  # JFIF; drop it so the XMP segment goes right after SOI
    source.write_bytes(stripped[:2] + stripped[4 + int.from_bytes(stripped[4:6], "big") :])
    [result] = _tag([source], tmp_path / "out")
    assert result.output is not None
    copy = result.output.read_bytes()
    assert copy[2:4] == b"\xff\xe1" and _jpeg_parts(copy)[1] == _jpeg_parts(source.read_bytes())[1]
    assert _read_back(result.output)[0]["DataMining"] == PROHIBITED
    assert _pixels(result.output) == _pixels(source)


def test_multipage_tiff_keeps_every_page(tmp_path: Path) -> None:
    source = tmp_path / "pages.tif"
    first, second = _picture("RGB"), _picture("RGB").rotate(90, expand=True)
    first.save(source, "TIFF", compression="tiff_lzw", save_all=True, append_images=[second])
    [result] = _tag([source], tmp_path / "out")
    assert result.output is not None
    with Image.open(source) as original, Image.open(result.output) as copy:
        assert original.n_frames == copy.n_frames == 2
        for page in range(2):
            original.seek(page)
            copy.seek(page)
            assert (copy.size, copy.tobytes()) == (original.size, original.tobytes())


def test_jpeg_xmp_that_does_not_fit_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    source = _make(tmp_path, "a.jpg")
    [result] = tag_copies([source], tmp_path / "out", Profile(name="A" * 70_000))
    assert result.status is TagStatus.FAILED and "too large" in result.message
