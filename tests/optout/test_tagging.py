"""Tagged copies of every format the scan reads, read back with exiftool and with exiv2 (pyexiv2's library and,
where installed, Debian's exiv2 program): the tag is there, the pixels (and JPEG scan bytes) are the same, the
original's other metadata is kept, originals are untouched and nothing is ever overwritten."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pyexiv2
import pytest

from core.errors import MissingComponent, UsageError
from core.optout import tagging
from core.optout.tagging import HeifMethod, TagMethod, TagResult, TagStatus, tag_copies
from core.optout.xmp_fields import RESERVATION
from core.profile import Profile
from tests.imagefactory import pattern
from tests.optout import tagcorpus
from tests.optout.tagcorpus import CORPUS, frames

PROFILE = Profile(name="Ada Okonkwo-Lindqvist")
VOCAB = "http://ns.useplus.org/ldf/vocab/"
PROHIBITED = VOCAB + "DMI-PROHIBITED-AIMLTRAINING"
OURS = {"DataMining", "OtherConstraints", "Creator", "Rights", "UsageTerms", "Marked", "XMPToolkit"}
OUR_EXIV2_KEYS = {"Xmp.plus.DataMining", "Xmp.plus.OtherConstraints", "Xmp.dc.creator", "Xmp.dc.rights",
                  "Xmp.xmpRights.UsageTerms", "Xmp.xmpRights.Marked"}  # fmt: skip
# exiftool groups that describe the file rather than its metadata, and tags that only locate image data
NOT_METADATA = {"System", "File", "Composite", "ExifTool", "PNG", "RIFF", "QuickTime", "Meta", "ItemList"}
LOCATIONS = {"StripOffsets", "TileOffsets", "StripByteCounts", "TileByteCounts", "ThumbnailOffset"}
# in TIFF, exiv2 lists the XMP and IPTC blocks among the EXIF tags: they are compared as XMP and IPTC
EXIV2_NOT_EXIF = {"XMLPacket", "IPTCNAA", *LOCATIONS}
IN_PLACE = {".jpg", ".png", ".webp", ".tif"}


def _exiftool() -> str:
    binary = shutil.which("exiftool")
    if binary is None:
        pytest.skip("exiftool is not installed (Debian package libimage-exiftool-perl)")
    return binary


def _expected_method(work: tagcorpus.Work, heif: HeifMethod) -> TagMethod:
    if work.name.endswith((".gif", ".bmp")):
        return TagMethod.CONVERTED
    if work.name == "huge.tif":  # BigTIFF
        return TagMethod.SIDECAR
    if work.name == "pages.tif":
        return TagMethod.TIFF_PAGES
    if work.name.endswith((".heic", ".avif")):
        return {HeifMethod.EXIFTOOL: TagMethod.EXIFTOOL, HeifMethod.SIDECAR: TagMethod.SIDECAR,
                HeifMethod.REENCODE: TagMethod.REENCODED}[heif]  # fmt: skip
    return TagMethod.EXIV2


def exiftool_tags(*paths: Path) -> list[dict[str, object]]:
    """Every tag of each file as exiftool reports it, by group (one run for all files: it starts slowly)."""
    command = [_exiftool(), "-j", "-G1", "-a", "-b", "-struct", *map(str, paths)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    by_file = {item["SourceFile"]: item for item in json.loads(result.stdout)}
    return [by_file[str(path)] for path in paths]


def _ours(tags: dict[str, object]) -> dict[str, object]:
    return {
        key.split(":", 1)[1]: value
        for key, value in tags.items()
        if key.startswith("XMP-") and key.split(":", 1)[1] in OURS
    }


def _metadata(tags: dict[str, object]) -> dict[str, object]:
    """What must survive tagging: every tag but the file's description, image-data locations and ours."""
    return {
        key: value
        for key, value in tags.items()
        if ":" in key and key.split(":")[0] not in NOT_METADATA and key.split(":")[1] not in OURS | LOCATIONS
    }


def _exiv2_read(path: Path) -> dict[str, object]:
    """EXIF, IPTC, XMP and ICC profile as exiv2 reads them (pyexiv2's bundled library)."""
    with pyexiv2.ImageData(path.read_bytes()) as image:
        found: dict[str, object] = {"xmp": image.read_xmp()}
        if not path.suffix == ".xmp":
            found.update(exif=image.read_exif(), iptc=image.read_iptc(), icc=image.read_icc())
        return found


def _exiv2_program(*paths: Path) -> dict[Path, str]:
    """Debian's exiv2 program (another build of the library) printing each file's XMP; empty if not installed."""
    binary = shutil.which("exiv2")
    if binary is None:
        return {}
    return {path: subprocess.run([binary, "-px", str(path)], capture_output=True, text=True).stdout for path in paths}


def _jpeg_parts(data: bytes) -> tuple[list[bytes], bytes]:
    """Marker segments before the first SOS, and the bytes from SOS on (a test-local reader)."""
    segments, position = [], 2
    while data[position + 1] != 0xDA:
        end = position + 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        segments.append(data[position:end])
        position = end
    return segments, data[position:]


def _rgba(path: Path) -> list[bytes]:
    from PIL import Image

    with Image.open(path) as image:
        found = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            found.append(image.convert("RGBA").tobytes())
        return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return tagcorpus.make(tmp_path_factory.mktemp("originals"))


@pytest.fixture(scope="module")
def tagged(corpus: list[Path], tmp_path_factory: pytest.TempPathFactory) -> list[TagResult]:
    """The whole corpus tagged as the pack does it (HEIC and AVIF by exiftool where installed)."""
    before = {source: (source.read_bytes(), source.stat().st_mtime_ns) for source in corpus}
    results = tag_copies(corpus, tmp_path_factory.mktemp("tagged"), PROFILE)
    assert {source: (source.read_bytes(), source.stat().st_mtime_ns) for source in corpus} == before
    return results


def test_every_format_gets_a_copy_tagged_the_expected_way(corpus: list[Path], tagged: list[TagResult]) -> None:
    heif = HeifMethod.EXIFTOOL if shutil.which("exiftool") else HeifMethod.SIDECAR
    for work, result in zip(CORPUS, tagged, strict=True):
        assert result.status is TagStatus.TAGGED, (work.name, result.message)
        assert result.method is _expected_method(work, heif), work.name
        assert result.output is not None and result.method.value in result.message
        assert hashlib.sha256(result.output.read_bytes()).hexdigest() == result.sha256
        assert (result.sidecar is not None) == (result.method is TagMethod.SIDECAR), work.name
        if result.sidecar is not None:
            assert result.sidecar == result.output.with_suffix(".xmp")
            assert hashlib.sha256(result.sidecar.read_bytes()).hexdigest() == result.sidecar_sha256
            assert "XMP sidecar" in result.message and "not in the" in result.message
    converted = {r.source.name: r.output.name for r in tagged if r.method is TagMethod.CONVERTED and r.output}
    assert converted == {"still.gif": "still.png", "animated.gif": "animated.png", "old.bmp": "old.png"}


def test_every_copy_reads_back_with_exiftool(tagged: list[TagResult]) -> None:
    carriers = [result.sidecar or result.output for result in tagged]
    assert all(carriers)
    for result, tags in zip(tagged, exiftool_tags(*[c for c in carriers if c]), strict=True):
        ours = _ours(tags)
        assert ours["DataMining"] == PROHIBITED, result.source.name
        assert ours["Creator"] == [PROFILE.name]  # an ordered list (rdf:Seq), as -struct shows it
        assert str(ours["Rights"]).startswith(f"© {PROFILE.name}. All rights reserved. {RESERVATION}")
        assert "train AI" in str(ours["UsageTerms"]) and PROFILE.name in str(ours["UsageTerms"])
        assert ours["Marked"] in (True, "True")
        assert "OtherConstraints" not in ours  # only DMI-PROHIBITED-SEECONSTRAINT points to one
        assert not any(key.endswith(":Warning") or key.endswith(":Error") for key in tags), (result.source, tags)


def test_every_copy_reads_back_with_exiv2(tagged: list[TagResult]) -> None:
    carriers = [result.sidecar or result.output for result in tagged]
    printed = _exiv2_program(*[c for c in carriers if c])
    for result, carrier in zip(tagged, carriers, strict=True):
        assert carrier is not None
        xmp = _exiv2_read(carrier)["xmp"]
        assert isinstance(xmp, dict)
        assert xmp["Xmp.plus.DataMining"] == PROHIBITED, result.source.name
        assert xmp["Xmp.dc.creator"] == [PROFILE.name]
        assert xmp["Xmp.dc.rights"]['lang="x-default"'].startswith(f"© {PROFILE.name}.")
        assert "train AI" in xmp["Xmp.xmpRights.UsageTerms"]['lang="x-default"']
        assert xmp["Xmp.xmpRights.Marked"] == "True"
        if printed:  # Debian's exiv2 0.27 reads every copy too, HEIC and AVIF included
            assert "Xmp.plus.DataMining" in printed[carrier] and PROHIBITED in printed[carrier], carrier.name


def test_pixels_are_the_same_and_jpeg_scan_data_byte_identical(corpus: list[Path], tagged: list[TagResult]) -> None:
    for work, source, result in zip(CORPUS, corpus, tagged, strict=True):
        assert result.output is not None
        if result.method is TagMethod.CONVERTED:  # a PNG of a GIF or BMP: every frame, same colours
            assert _rgba(result.output) == _rgba(source) and len(_rgba(source)) == work.frames, work.name
            continue
        assert frames(result.output) == frames(source), work.name
        assert len(frames(source)) == work.frames, work.name
        if result.method is TagMethod.SIDECAR:
            assert result.output.read_bytes() == source.read_bytes()
        if source.suffix == ".jpg":
            (original_segments, original_scan), (copy_segments, copy_scan) = map(
                _jpeg_parts, (source.read_bytes(), result.output.read_bytes())
            )
            assert copy_scan == original_scan, work.name  # entropy-coded data byte-identical: no re-encoding
            coding = [s for s in original_segments if 0xC0 <= s[1] <= 0xDB and s[1] not in (0xD8, 0xD9)]
            assert coding and all(segment in copy_segments for segment in coding)  # tables and frame header


def test_existing_metadata_is_kept(corpus: list[Path], tagged: list[TagResult]) -> None:
    """EXIF, IPTC, ICC profile and every XMP property but ours, as exiftool and as exiv2 read them."""
    in_file = [(w, s, r) for w, s, r in zip(CORPUS, corpus, tagged, strict=True) if r.method is not TagMethod.CONVERTED]
    sources = [source for _, source, _ in in_file]
    copies = [result.sidecar or result.output for _, _, result in in_file]
    for (work, source, result), before, after in zip(
        in_file, exiftool_tags(*sources), exiftool_tags(*[c for c in copies if c]), strict=True
    ):
        kept = _metadata(before)
        assert result.output is not None
        if result.sidecar is not None:  # the copy is the original; its XMP, merged with ours, is in the sidecar
            kept = {key: value for key, value in kept.items() if key.startswith("XMP-")}
        assert {key: _metadata(after).get(key) for key in kept} == kept, work.name
        assert work.exif == ("IFD0:Artist" in kept), work.name
        assert (work.exif and not source.suffix == ".tif") == ("ExifIFD:DateTimeOriginal" in kept), work.name
        assert bool(work.iptc) == any(key.startswith("IPTC:") for key in kept), work.name
        assert bool(work.icc) == any(key.startswith("ICC_Profile:") for key in kept), work.name
        assert work.xmp == ("XMP-acme:Shelf" in kept), work.name
        if work.extended_xmp:  # the extension (84 kB of acme:Notes) stays joined to the main packet
            assert after["XMP-acme:Notes"] == tagcorpus.EXTENDED_NOTES
        if result.method in (TagMethod.EXIV2, TagMethod.EXIFTOOL, TagMethod.TIFF_PAGES):
            exiv2_before, exiv2_after = _exiv2_read(source), _exiv2_read(result.output)
            for part in ("exif", "iptc", "icc"):
                before_part, after_part = exiv2_before[part], exiv2_after[part]
                if part == "exif":
                    assert isinstance(before_part, dict) and isinstance(after_part, dict)
                    before_part, after_part = (
                        {key: value for key, value in found.items() if key.split(".")[-1] not in EXIV2_NOT_EXIF}
                        for found in (before_part, after_part)
                    )
                assert after_part == before_part, (work.name, part)
            xmp_before, xmp_after = exiv2_before["xmp"], exiv2_after["xmp"]
            assert isinstance(xmp_before, dict) and isinstance(xmp_after, dict)
            others = {key: value for key, value in xmp_before.items() if key not in OUR_EXIV2_KEYS}
            assert {key: xmp_after.get(key) for key in others} == others, work.name


def test_one_xmp_packet_per_file(tagged: list[TagResult]) -> None:
    for result in tagged:
        if result.method in (TagMethod.EXIV2, TagMethod.CONVERTED) and result.output is not None:
            assert result.output.read_bytes().count(b"<?xpacket begin") == 1, result.source.name
        if result.method is TagMethod.TIFF_PAGES and result.output is not None:  # one per page, all ours
            assert result.output.read_bytes().count(b"<?xpacket begin") == 6
            assert result.output.read_bytes().count(b"DMI-PROHIBITED-AIMLTRAINING") == 6


@pytest.mark.parametrize("heif", [HeifMethod.EXIFTOOL, HeifMethod.SIDECAR, HeifMethod.REENCODE])
def test_heic_and_avif_each_way(tmp_path: Path, heif: HeifMethod) -> None:
    if heif is HeifMethod.EXIFTOOL:
        _exiftool()
    sources = tagcorpus.make(tmp_path / "originals", "phone.heic", "modern.avif")
    results = tag_copies(sources, tmp_path / "out", PROFILE, heif=heif)
    for source, result in zip(sources, results, strict=True):
        assert result.status is TagStatus.TAGGED and result.output is not None, result.message
        assert result.method is _expected_method(tagcorpus.BY_NAME[source.name], heif)
        carrier = result.sidecar or result.output
        assert _exiv2_read(carrier)["xmp"]["Xmp.plus.DataMining"] == PROHIBITED  # type: ignore[index]
        assert _exiv2_read(carrier)["xmp"]["Xmp.acme.Shelf"] == "B4"  # type: ignore[index]
        if heif is HeifMethod.REENCODE:  # embedded, but encoded again: it says so, and by how much
            assert "pixels changed: up to" in result.message and "primary image only" in result.message
            original, copy = frames(source)[0], frames(result.output)[0]
            assert copy[:2] == original[:2] and copy[2] != original[2]
            assert _exiv2_read(result.output)["exif"] == _exiv2_read(source)["exif"]
            assert _exiv2_read(result.output)["icc"] == _exiv2_read(source)["icc"]
        else:
            assert frames(result.output) == frames(source)
        if heif is HeifMethod.SIDECAR:
            assert result.output.read_bytes() == source.read_bytes()
            assert result.sidecar == result.output.with_suffix(".xmp")
            assert "exiftool" not in result.message  # asked for, not a fallback


def test_heic_without_metadata_by_exiftool(tmp_path: Path) -> None:
    """exiftool adds an XMP item to a HEIC that had none; exiftool and libheif read it, exiv2 0.27/0.28 do not
    (AVIF is read by all three): the copy is checked through libheif then, and the result says so."""
    _exiftool()
    from PIL import Image

    heic, avif = tmp_path / "bare.heic", tmp_path / "bare.avif"
    pattern(48, 32, seed=3).save(heic, "HEIF", quality=80)
    pattern(48, 32, seed=3).save(avif, "AVIF", quality=80)
    results = tag_copies([heic, avif], tmp_path / "out", PROFILE, heif=HeifMethod.EXIFTOOL)
    for source, result in zip((heic, avif), results, strict=True):
        assert result.status is TagStatus.TAGGED and result.output is not None, result.message
        assert _ours(exiftool_tags(result.output)[0])["DataMining"] == PROHIBITED
        with Image.open(result.output) as image:
            assert PROHIBITED.encode() in image.info["xmp"]  # libheif
        assert frames(result.output) == frames(source)
        read_by_exiv2 = _exiv2_read(result.output)["xmp"].get("Xmp.plus.DataMining") == PROHIBITED  # type: ignore[union-attr]
        assert read_by_exiv2 != ("exiv2 does not find the XMP item" in result.message), source.name


def test_auto_falls_back_to_a_sidecar_without_exiftool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tagging, "find_exiftool", lambda: None)
    [source] = tagcorpus.make(tmp_path / "originals", "phone.heic")
    [result] = tag_copies([source], tmp_path / "out", PROFILE)
    assert result.method is TagMethod.SIDECAR and "exiftool" in result.message and "not installed" in result.message
    with pytest.raises(MissingComponent, match="exiftool"):
        tag_copies([source], tmp_path / "out2", PROFILE, heif=HeifMethod.EXIFTOOL)
    assert not (tmp_path / "out2").exists()


def test_why_multi_page_tiffs_are_written_page_by_page(tmp_path: Path) -> None:
    """The measured case that keeps core/optout/tiff_pages.py: exiv2 alone keeps four of a TIFF's six pages (and
    rewrites the first page's XMP only). If a later exiv2 keeps them all, that module can go."""
    [source] = tagcorpus.make(tmp_path / "originals", "pages.tif")
    pyexiv2.set_log_level(4)
    with pyexiv2.ImageData(source.read_bytes()) as image:
        image.modify_xmp({"Xmp.plus.DataMining": PROHIBITED})
        (tmp_path / "by-exiv2.tif").write_bytes(image.get_bytes())
    assert len(frames(source)) == 6 and len(frames(tmp_path / "by-exiv2.tif")) == 4
    [result] = tag_copies([source], tmp_path / "out", PROFILE)
    assert result.method is TagMethod.TIFF_PAGES and result.output is not None and "all 6 pages" in result.message
    assert frames(result.output) == frames(source)


def test_a_tiff_whose_pages_form_a_loop_fails_cleanly(tmp_path: Path) -> None:
    [source] = tagcorpus.make(tmp_path / "originals", "pages.tif")
    data = bytearray(source.read_bytes())
    first = int.from_bytes(data[4:8], "little")
    offset = first
    for _ in range(5):  # to the fifth page's next-IFD field, which then points back at the first page
        count = int.from_bytes(data[offset : offset + 2], "little")
        field = offset + 2 + 12 * count
        offset = int.from_bytes(data[field : field + 4], "little")
    data[field : field + 4] = first.to_bytes(4, "little")
    source.write_bytes(bytes(data))
    [result] = tag_copies([source], tmp_path / "out", PROFILE)
    assert result.status is TagStatus.FAILED and "loop" in result.message


def test_see_constraint_points_to_other_constraints(tmp_path: Path) -> None:
    sources = tagcorpus.make(tmp_path / "originals", "photo.jpg", "cutout.png")
    default, custom = (
        tag_copies([sources[0]], tmp_path / "a", PROFILE, data_mining="DMI-PROHIBITED-SEECONSTRAINT")[0],
        tag_copies([sources[1]], tmp_path / "b", PROFILE, data_mining="DMI-PROHIBITED-SEECONSTRAINT",
                   other_constraints="Licensing for AI training: ask the artist.")[0],
    )  # fmt: skip
    assert default.output is not None and custom.output is not None
    first, second = map(_ours, exiftool_tags(default.output, custom.output))
    assert first["DataMining"] == VOCAB + "DMI-PROHIBITED-SEECONSTRAINT"
    assert first["OtherConstraints"] == RESERVATION
    assert second["OtherConstraints"] == "Licensing for AI training: ask the artist."


def test_other_data_mining_code_and_anonymous_profile(tmp_path: Path) -> None:
    [source] = tagcorpus.make(tmp_path / "originals", "photo.jpg")
    [result] = tag_copies([source], tmp_path / "out", Profile(), data_mining="DMI-PROHIBITED-GENAIMLTRAINING")
    assert result.output is not None
    xmp = _exiv2_read(result.output)["xmp"]
    assert isinstance(xmp, dict)
    assert xmp["Xmp.plus.DataMining"] == VOCAB + "DMI-PROHIBITED-GENAIMLTRAINING"
    assert "generative AI" in xmp["Xmp.xmpRights.UsageTerms"]['lang="x-default"']
    assert xmp["Xmp.dc.creator"] == ["Old Name"]  # no name in the profile: the file's own creator is kept
    assert "Xmp.dc.rights" not in xmp
    [allowed] = tag_copies([source], tmp_path / "out", Profile(name="Ada"), data_mining="DMI-ALLOWED")
    assert allowed.output is not None
    xmp = _exiv2_read(allowed.output)["xmp"]
    assert isinstance(xmp, dict) and "Xmp.xmpRights.UsageTerms" not in xmp
    assert xmp["Xmp.dc.rights"] == {'lang="x-default"': "© Ada. All rights reserved."}
    with pytest.raises(UsageError, match="Data Mining"):
        tag_copies([source], tmp_path / "out", PROFILE, data_mining="DMI-MAYBE")


def test_unreadable_existing_xmp_is_replaced(tmp_path: Path) -> None:
    from PIL import Image

    jpeg, heic = tmp_path / "broken.jpg", tmp_path / "broken.heic"
    Image.new("RGB", (16, 8), (9, 99, 199)).save(jpeg, "JPEG", xmp=b"<x:xmpmeta><not closed")
    Image.new("RGB", (16, 8), (9, 99, 199)).save(heic, "HEIF", xmp=b"<x:xmpmeta><not closed")
    results = tag_copies([jpeg, heic], tmp_path / "out", PROFILE, heif=HeifMethod.SIDECAR)
    for result in results:
        assert result.status is TagStatus.TAGGED and "unreadable" in result.message, result.message
        carrier = result.sidecar or result.output
        assert carrier is not None and _exiv2_read(carrier)["xmp"]["Xmp.plus.DataMining"] == PROHIBITED  # type: ignore[index]


def test_name_collisions_never_overwrite(tmp_path: Path) -> None:
    jpeg, heic, avif = tagcorpus.make(tmp_path / "originals", "photo.jpg", "phone.heic", "modern.avif")
    avif = avif.rename(avif.with_name("phone.avif"))  # same stem as the HEIC: the sidecars must not collide
    original = jpeg.read_bytes()
    first, second = tag_copies([jpeg, jpeg], tmp_path / "out", PROFILE)
    assert first.output == tmp_path / "out" / "photo.jpg" and second.output == tmp_path / "out" / "photo-1.jpg"
    [beside] = tag_copies([jpeg], jpeg.parent, PROFILE)  # output folder = the originals' folder
    assert beside.output == jpeg.parent / "photo-1.jpg" and jpeg.read_bytes() == original
    (tmp_path / "out" / "phone.xmp").write_text("the artist's own sidecar")
    results = tag_copies([heic, avif], tmp_path / "out", PROFILE, heif=HeifMethod.SIDECAR)
    assert [(r.output.name, r.sidecar.name) for r in results if r.output and r.sidecar] == [
        ("phone-1.heic", "phone-1.xmp"),
        ("phone-2.avif", "phone-2.xmp"),
    ]
    assert (tmp_path / "out" / "phone.xmp").read_text() == "the artist's own sidecar"
    assert not (tmp_path / "out" / "phone.heic").exists()  # no copy left without its sidecar


def test_unsupported_and_broken_files_are_reported(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    [jpeg, png] = tagcorpus.make(tmp_path / "originals", "photo.jpg", "cutout.png")
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(jpeg.read_bytes()[:40])
    no_idat = tmp_path / "empty.png"
    no_idat.write_bytes(png.read_bytes()[:33])
    broken_gif = tmp_path / "broken.gif"
    broken_gif.write_bytes(b"GIF89a" + b"\x00" * 20)
    results = tag_copies([text, truncated, no_idat, broken_gif, tmp_path / "absent.png"], tmp_path / "out", PROFILE)
    statuses = [result.status for result in results]
    assert statuses == [TagStatus.UNSUPPORTED] + [TagStatus.FAILED] * 4, [r.message for r in results]
    assert all(result.message and result.output is None for result in results)
    assert not list((tmp_path / "out").iterdir())


def test_jpeg_xmp_that_does_not_fit_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    [source] = tagcorpus.make(tmp_path / "originals", "progressive.jpg")
    [result] = tag_copies([source], tmp_path / "out", Profile(name="A" * 70_000))
    assert result.status is TagStatus.FAILED and "65535 bytes" in result.message
    assert not list((tmp_path / "out").iterdir())


def test_tagging_from_several_threads_at_once(tmp_path: Path) -> None:
    """exiv2 keeps global state: the app tags from a worker thread, maybe while another call runs."""
    sources = tagcorpus.make(tmp_path / "originals", "photo.jpg", "cutout.png", "lossy.webp", "scan.tif")
    outcomes: list[list[TagResult]] = []

    def run(index: int) -> None:
        outcomes.append(tag_copies(sources * 3, tmp_path / f"out{index}", PROFILE))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 4
    assert all(result.status is TagStatus.TAGGED for results in outcomes for result in results)
