"""Reading back the rights metadata a file carries: what a crawler or a viewer finds in it, before and after tagging.

Independent of the code that writes the tags (whatever writes them, this reads what is in the file): every XMP
packet in the file is found by its bytes (JPEG APP1, PNG iTXt, compressed or not, WebP `XMP ` chunk, TIFF tag
700 all hold it as one run of bytes), parsed, and the properties that carry the reservation are reported:
IPTC ``plus:DataMining``, ``dc:creator``, ``dc:rights`` and ``xmpRights:Marked``. A C2PA manifest store (JUMBF
with a ``c2pa`` label) is noted, not verified. Reads at most `MAX_READ` bytes; nothing is written.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from pathlib import Path

from core.errors import TrainTraceError

MAX_READ = 256 * 1024 * 1024
MAX_PACKET = 4_000_000
_PNG = b"\x89PNG\r\n\x1a\n"
_PACKET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?xmpmeta\b.*?</(?:[A-Za-z_][\w.-]*:)?xmpmeta\s*>", re.DOTALL)
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_RIGHTS = "{http://ns.adobe.com/xap/1.0/rights/}"
_PLUS = "{http://ns.useplus.org/ldf/xmp/1.0/}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class RightsMetadata:
    """The reservation-related metadata found in one file ("" / () where a property is absent)."""

    path: Path
    data_mining: str = ""  # the IPTC code, e.g. DMI-PROHIBITED-AIMLTRAINING (a vocabulary URI is shortened)
    creators: tuple[str, ...] = ()
    rights: str = ""
    marked: str = ""  # xmpRights:Marked, "True" for a copyrighted work
    xmp_packets: int = 0
    unreadable_packets: int = 0
    c2pa: bool = False

    @property
    def reserves_ai_training(self) -> bool:
        return self.data_mining.startswith("DMI-PROHIBITED")

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs for people; an absent property reads "not set"."""
        absent = "not set"
        return [
            ("Data mining (IPTC)", self.data_mining or absent),
            ("Creator", "; ".join(self.creators) or absent),
            ("Copyright notice", self.rights or absent),
            ("Marked as copyrighted", self.marked or absent),
            ("C2PA manifest", "present (not verified here)" if self.c2pa else "none"),
            (
                "XMP packets",
                str(self.xmp_packets) + (f" ({self.unreadable_packets} unreadable)" if self.unreadable_packets else ""),
            ),  # fmt: skip
        ]


def read_rights(path: Path) -> RightsMetadata:
    """The rights metadata in `path`; `TrainTraceError` when the file cannot be read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_READ)
    except OSError as exc:
        raise TrainTraceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    packets = [match.group(0) for match in _PACKET.finditer(data)] + _compressed_png_packets(data)
    found: dict[str, str | tuple[str, ...]] = {}
    unreadable = 0
    for packet in packets:
        root = _parse(packet)
        if root is None:
            unreadable += 1
            continue
        for key, value in _properties(root).items():
            if value and key not in found:
                found[key] = value
    c2pa = b"jumb" in data and b"c2pa" in data

    def text(key: str) -> str:
        value = found.get(key, "")
        return value if isinstance(value, str) else "; ".join(value)

    creators = found.get("creators", ())
    return RightsMetadata(
        Path(path), text("data_mining"), creators if isinstance(creators, tuple) else (creators,), text("rights"),
        text("marked"), len(packets), unreadable, c2pa,
    )  # fmt: skip


def _parse(packet: bytes) -> ET.Element | None:
    if len(packet) > MAX_PACKET or b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        return None  # no document type in XMP: refusing it also refuses entity expansion
    try:
        return ET.fromstring(packet)
    except ET.ParseError:
        return None


def _properties(root: ET.Element) -> dict[str, str | tuple[str, ...]]:
    found: dict[str, str | tuple[str, ...]] = {}
    for description in root.iter(_RDF + "Description"):
        for key, tag in (("data_mining", _PLUS + "DataMining"), ("marked", _RIGHTS + "Marked")):
            value = description.get(tag) or _element_text(description.find(tag))
            if value and key not in found:
                found[key] = _short_code(value) if key == "data_mining" else value
        creator = description.find(_DC + "creator")
        if creator is not None and "creators" not in found:
            names = tuple(item.text.strip() for item in creator.iter(_RDF + "li") if item.text and item.text.strip())
            found["creators"] = names or ((creator.text or "").strip(),)
        rights = description.find(_DC + "rights")
        if rights is not None and "rights" not in found:
            found["rights"] = _default_language(rights)
    return found


def _element_text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    resource = element.get(_RDF + "resource")
    return (resource or element.text or "").strip()


def _short_code(value: str) -> str:
    """A PLUS vocabulary URI (http://ns.useplus.org/ldf/vocab/DMI-...) as its code."""
    return value.rstrip("/").rsplit("/", 1)[-1]


def _default_language(alternatives: ET.Element) -> str:
    items = [item for item in alternatives.iter(_RDF + "li") if item.text and item.text.strip()]
    preferred = [item for item in items if item.get(_XML_LANG) == "x-default"] or items
    return preferred[0].text.strip() if preferred and preferred[0].text else (alternatives.text or "").strip()


def _compressed_png_packets(data: bytes) -> list[bytes]:
    """XMP in zlib-compressed PNG iTXt chunks (the uncompressed ones are found by the byte search)."""
    if not data.startswith(_PNG):
        return []
    found = []
    position = len(_PNG)
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IEND":
            break
        if kind != b"iTXt" or not body.startswith(b"XML:com.adobe.xmp\x00"):
            continue
        rest = body[len(b"XML:com.adobe.xmp\x00") :]
        if len(rest) < 2 or rest[0] != 1:
            continue
        _language, _, rest = rest[2:].partition(b"\x00")
        _translated, _, text = rest.partition(b"\x00")
        inflater = zlib.decompressobj()
        try:
            packet = inflater.decompress(text, MAX_PACKET + 1)
        except zlib.error:
            continue
        match = _PACKET.search(packet)
        if match is not None:
            found.append(match.group(0))
    return found
