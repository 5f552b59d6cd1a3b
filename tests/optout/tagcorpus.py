"""A generated corpus of works to tag: every format the scan reads, each carrying the metadata photo tools write.

Pixels come from Pillow, tifffile and pillow-heif; the metadata is written independently of the code under test:
EXIF and ICC profiles through Pillow, IPTC IIM records built here (an APP13 Photoshop resource in JPEG, tag 33723
in TIFF), XMP with a namespace of its own (``acme``) and, in one JPEG, extended XMP split over APP1 segments as
Adobe's XMP specification (part 3, 1.1.3.1) lays it out. `CORPUS` says which metadata each file carries.
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageCms

from tests.imagefactory import pattern, with_alpha

pillow_heif.register_heif_opener()

ACME = "http://acme.example/ns/1.0/"
OLD_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/"'
    f' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:acme="{ACME}"'
    ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
    ' plus:DataMining="http://ns.useplus.org/ldf/vocab/DMI-ALLOWED" acme:Shelf="B4" photoshop:City="Bergen">'
    '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Sea at dusk</rdf:li></rdf:Alt></dc:title>'
    "<dc:subject><rdf:Bag><rdf:li>sea</rdf:li><rdf:li>dusk</rdf:li></rdf:Bag></dc:subject>"
    "<dc:creator><rdf:Seq><rdf:li>Old Name</rdf:li></rdf:Seq></dc:creator>"
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
EXTENDED_NOTES = "".join(f"note {n:05d}; " for n in range(7000))  # ~84 kB: more than one APP1 segment holds


@dataclass(frozen=True)
class Work:
    """One file of the corpus and the metadata it carries before tagging."""

    name: str
    make: Callable[[Path], None]
    exif: bool = False
    iptc: bool = False
    xmp: bool = False
    icc: bool = False
    extended_xmp: bool = False
    frames: int = 1


def icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = "a harbour at dusk"  # ImageDescription
    exif[0x010F] = "Acme"  # Make
    exif[0x0110] = "Brush 3"  # Model
    exif[0x013B] = "Old Name"  # Artist
    exif[0x8298] = "(c) Old Name"  # Copyright
    return exif


def exif_block() -> bytes:
    """EXIF as JPEG, PNG, WebP and HEIF carry it: IFD0 tags and an Exif IFD with the date taken."""
    exif = _exif()
    exif.get_ifd(0x8769)[0x9003] = "2024:05:06 07:08:09"  # ExifIFD DateTimeOriginal
    return exif.tobytes()


def tiff_tags() -> Image.Exif:
    """A TIFF's own IFD0: the same EXIF tags (Pillow's TIFF writer takes no Exif IFD), IPTC (33723), XMP (700)."""
    exif = _exif()
    exif[700] = OLD_PACKET.encode()
    exif[33723] = iptc_records()
    return exif


def iptc_records() -> bytes:
    """IPTC IIM: UTF-8 character set, record version, object name, two keywords, by-line, copyright notice."""

    def record(number: int, dataset: int, value: bytes) -> bytes:
        return struct.pack(">BBBH", 0x1C, number, dataset, len(value)) + value

    return b"".join(
        [
            record(1, 90, b"\x1b%G"),
            record(2, 0, b"\x00\x04"),
            record(2, 5, b"Harbour"),
            record(2, 25, b"harbour"),
            record(2, 25, "d\u00e4mmerung".encode()),
            record(2, 80, b"Old Name"),
            record(2, 116, b"(c) Old Name"),
        ]
    )


def _photoshop_app13(iim: bytes) -> bytes:
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    resource += b"\x00" * (len(iim) % 2)
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def _insert_after_app_segments(jpeg: bytes, segments: bytes) -> bytes:
    """Put `segments` after SOI and the APPn segments Pillow wrote (JFIF, Exif, ICC, XMP)."""
    position = 2
    while jpeg[position] == 0xFF and 0xE0 <= jpeg[position + 1] <= 0xEF:
        position += 2 + int.from_bytes(jpeg[position + 2 : position + 4], "big")
    return jpeg[:position] + segments + jpeg[position:]


def _extended_xmp(main: str, extended: str) -> tuple[bytes, bytes]:
    """The main packet (pointing at the extension by its GUID) and the APP1 segments holding the extension."""
    body = extended.encode()
    guid = hashlib.md5(body).hexdigest().upper().encode()  # noqa: S324 - the GUID the XMP spec defines
    main_packet = main.replace(
        "<dc:title>", f"<xmpNote:HasExtendedXMP>{guid.decode()}</xmpNote:HasExtendedXMP><dc:title>"
    ).replace('xmlns:acme="', 'xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmlns:acme="')
    signature = b"http://ns.adobe.com/xmp/extension/\x00"
    segments = b""
    for offset in range(0, len(body), 65000):
        chunk = signature + guid + struct.pack(">II", len(body), offset) + body[offset : offset + 65000]
        segments += b"\xff\xe1" + struct.pack(">H", len(chunk) + 2) + chunk
    return main_packet.encode(), segments


def _jpeg(path: Path, *, extended: bool = False, cmyk: bool = False) -> None:
    picture = pattern(96, 64, seed=5)
    packet = OLD_PACKET.encode()
    segments = _photoshop_app13(iptc_records())
    if extended:
        notes = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description rdf:about="" xmlns:acme="{ACME}"><acme:Notes>{EXTENDED_NOTES}</acme:Notes>'
            "</rdf:Description></rdf:RDF></x:xmpmeta>"
        )
        packet, extension = _extended_xmp(OLD_PACKET, notes)
        segments += extension
    buffer = io.BytesIO()
    image = picture.convert("CMYK") if cmyk else picture
    icc = {} if cmyk else {"icc_profile": icc_profile()}
    image.save(buffer, "JPEG", quality=88, exif=exif_block(), xmp=packet, **icc)
    path.write_bytes(_insert_after_app_segments(buffer.getvalue(), segments))


def _progressive_jpeg(path: Path) -> None:
    pattern(80, 60, seed=6).save(path, "JPEG", quality=80, progressive=True)


def _png(path: Path) -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "keep me")
    info.add_itxt("XML:com.adobe.xmp", OLD_PACKET, zip=True)
    with_alpha(pattern(72, 48, seed=7)).save(path, "PNG", pnginfo=info, exif=exif_block(), icc_profile=icc_profile())


def _png_16bit(path: Path) -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", OLD_PACKET)
    grey = np.asarray(pattern(64, 40, seed=8).convert("L"), dtype=np.uint16) * 257 + 3
    Image.fromarray(grey).save(path, "PNG", pnginfo=info)


def _png_palette(path: Path) -> None:
    picture = pattern(64, 40, seed=9).convert("P", palette=Image.Palette.ADAPTIVE, colors=32)
    picture.save(path, "PNG", transparency=0, exif=exif_block())


def _webp(path: Path, **options: object) -> None:
    picture = pattern(64, 48, seed=10)
    if options.pop("alpha", False):
        picture = with_alpha(picture)
    picture.save(path, "WEBP", exif=exif_block(), xmp=OLD_PACKET.encode(), icc_profile=icc_profile(), **options)


def _webp_simple(path: Path) -> None:
    pattern(64, 48, seed=11).save(path, "WEBP", quality=70)  # VP8 only: no VP8X header, no metadata


def _webp_animated(path: Path) -> None:
    frames = [pattern(48, 32, seed=seed) for seed in (12, 13, 14)]
    frames[0].save(path, "WEBP", save_all=True, append_images=frames[1:], duration=[80, 120, 160], loop=0,
                   lossless=True, exif=exif_block(), xmp=OLD_PACKET.encode(), icc_profile=icc_profile())  # fmt: skip


def _tiff_lzw(path: Path) -> None:
    picture = with_alpha(pattern(60, 40, seed=15))
    picture.save(path, "TIFF", compression="tiff_lzw", tiffinfo=tiff_tags(), icc_profile=icc_profile())


def _tiff_16bit(path: Path) -> None:
    import tifffile

    pixels = np.asarray(pattern(50, 30, seed=16), dtype=np.uint16) * 257 + 1
    tifffile.imwrite(path, pixels, photometric="rgb", compression="zlib", byteorder=">",
                     extratags=[(700, 1, len(OLD_PACKET.encode()), OLD_PACKET.encode(), True),
                                (34675, 7, len(icc_profile()), icc_profile(), True)])  # fmt: skip


def _tiff_cmyk(path: Path) -> None:
    pattern(40, 30, seed=17).convert("CMYK").save(path, "TIFF", compression="tiff_deflate", tiffinfo=tiff_tags())


def _tiff_pages(path: Path) -> None:
    """Six pages (exiv2 alone would keep four), each with the same XMP, as Pillow writes it to every page."""
    pages = [pattern(40 - n, 30 + n, seed=18 + n) for n in range(6)]
    pages[0].save(path, "TIFF", compression="tiff_lzw", save_all=True, append_images=pages[1:],
                  tiffinfo=tiff_tags())  # fmt: skip


def _bigtiff(path: Path) -> None:
    import tifffile

    tifffile.imwrite(path, np.asarray(pattern(40, 30, seed=20)), bigtiff=True, photometric="rgb",
                     extratags=[(700, 1, len(OLD_PACKET.encode()), OLD_PACKET.encode(), True)])  # fmt: skip


def _gif(path: Path) -> None:
    pattern(40, 30, seed=21).convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(path, "GIF")


def _gif_animated(path: Path) -> None:
    frames = [pattern(40, 30, seed=s).convert("P", palette=Image.Palette.ADAPTIVE, colors=32) for s in (22, 23, 24)]
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=[100, 150, 200], loop=0,
                   transparency=0, disposal=2)  # fmt: skip


def _bmp(path: Path) -> None:
    pattern(41, 30, seed=25).save(path, "BMP")


def _heif(path: Path, kind: str) -> None:
    pattern(64, 48, seed=26).save(path, kind, quality=80, exif=exif_block(), xmp=OLD_PACKET.encode(),
                                  icc_profile=icc_profile())  # fmt: skip


CORPUS: tuple[Work, ...] = (
    Work("photo.jpg", _jpeg, exif=True, iptc=True, xmp=True, icc=True),
    Work(
        "extended.jpg", lambda p: _jpeg(p, extended=True), exif=True, iptc=True, xmp=True, icc=True, extended_xmp=True
    ),  # fmt: skip
    Work("print-cmyk.jpg", lambda p: _jpeg(p, cmyk=True), exif=True, iptc=True, xmp=True),
    Work("progressive.jpg", _progressive_jpeg),
    Work("cutout.png", _png, exif=True, xmp=True, icc=True),
    Work("deep-16bit.png", _png_16bit, xmp=True),
    Work("palette.png", _png_palette, exif=True),
    Work("lossless.webp", lambda p: _webp(p, lossless=True), exif=True, xmp=True, icc=True),
    Work("lossy.webp", lambda p: _webp(p, quality=70), exif=True, xmp=True, icc=True),
    Work("lossy-alpha.webp", lambda p: _webp(p, quality=70, alpha=True), exif=True, xmp=True, icc=True),
    Work("simple.webp", _webp_simple),
    Work("animated.webp", _webp_animated, exif=True, xmp=True, icc=True, frames=3),
    Work("scan.tif", _tiff_lzw, exif=True, iptc=True, xmp=True, icc=True),
    Work("deep-16bit.tif", _tiff_16bit, xmp=True, icc=True),
    Work("print-cmyk.tif", _tiff_cmyk, exif=True, iptc=True, xmp=True),
    Work("pages.tif", _tiff_pages, exif=True, iptc=True, xmp=True, frames=6),
    Work("huge.tif", _bigtiff, xmp=True),
    Work("still.gif", _gif),
    Work("animated.gif", _gif_animated, frames=3),
    Work("old.bmp", _bmp),
    Work("phone.heic", lambda p: _heif(p, "HEIF"), exif=True, xmp=True, icc=True),
    Work("modern.avif", lambda p: _heif(p, "AVIF"), exif=True, xmp=True, icc=True),
)
BY_NAME = {work.name: work for work in CORPUS}


def make(folder: Path, *names: str) -> list[Path]:
    """Write the named works (all of them when none is named) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for work in [BY_NAME[name] for name in names] if names else CORPUS:
        path = folder / work.name
        work.make(path)
        paths.append(path)
    return paths


def frames(path: Path) -> list[tuple[str, tuple[int, int], bytes]]:
    """Every frame's decoded pixels (mode, size, bytes): what must not change."""
    with Image.open(path) as image:
        found = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            image.load()
            found.append((image.mode, image.size, image.tobytes()))
        return found
