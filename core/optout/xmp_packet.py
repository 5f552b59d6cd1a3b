"""Building the XMP packet written into copies: IPTC ``plus:DataMining``, creator and copyright.

An existing packet is merged, not duplicated: our properties are removed wherever they appear (as elements or
as attribute shorthand) and written once in a fresh ``rdf:Description``; everything else is kept. A packet
that cannot be parsed is replaced, and the caller is told.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from core.errors import UsageError

PLUS_NS = "http://ns.useplus.org/ldf/xmp/1.0/"
PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"
# IPTC Photo Metadata 2023.1 "Data Mining" codes (FACTS.md section 5).
DATA_MINING_CODES = frozenset(
    {
        "DMI-UNSPECIFIED",
        "DMI-ALLOWED",
        "DMI-PROHIBITED-AIMLTRAINING",
        "DMI-PROHIBITED-GENAIMLTRAINING",
        "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
        "DMI-PROHIBITED",
        "DMI-PROHIBITED-SEECONSTRAINT",
    }
)
_NAMESPACES = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "xmpNote": "http://ns.adobe.com/xmp/note/",
    "plus": PLUS_NS,
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
}
_RDF = "{" + _NAMESPACES["rdf"] + "}"
_DC = "{" + _NAMESPACES["dc"] + "}"
_RIGHTS = "{" + _NAMESPACES["xmpRights"] + "}"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_XML_LANG = "{" + _XML_NS + "}lang"
_DATA_MINING = "{" + PLUS_NS + "}DataMining"
_OURS = frozenset({_DATA_MINING, _DC + "creator", _DC + "rights", _RIGHTS + "Marked"})
_PACKET_HEAD = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
_PACKET_TAIL = '\n<?xpacket end="w"?>'
MAX_EXISTING_PACKET = 4_000_000
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True)
class XmpFields:
    """What goes into the copies: a Data Mining code, and the creator and copyright notice (if named)."""

    data_mining: str
    creator: str
    rights: str

    def __post_init__(self) -> None:
        if self.data_mining not in DATA_MINING_CODES:
            codes = ", ".join(sorted(DATA_MINING_CODES))
            raise UsageError(f"Unknown Data Mining value {self.data_mining!r}; use one of {codes}.")


@dataclass(frozen=True)
class BuiltPacket:
    packet: bytes
    replaced_unreadable: bool


def build_packet(fields: XmpFields, existing: bytes | None) -> BuiltPacket:
    """A complete ``<?xpacket?>``-wrapped UTF-8 packet: `existing` merged with `fields`."""
    parsed = _parse(existing) if existing else None
    replaced = existing is not None and parsed is None
    root, prefixes = parsed if parsed else (ET.Element("{adobe:ns:meta/}xmpmeta"), {})
    rdf = root if root.tag == _RDF + "RDF" else root.find(_RDF + "RDF")
    if rdf is None:
        rdf = ET.SubElement(root, _RDF + "RDF")
    for description in rdf.iter(_RDF + "Description"):
        _remove_ours(description)
    rdf.append(_our_description(fields))
    if root.tag != "{adobe:ns:meta/}xmpmeta":  # a bare rdf:RDF packet gets the standard wrapper
        wrapper = ET.Element("{adobe:ns:meta/}xmpmeta")
        wrapper.append(root)
        root = wrapper
    body = _serialise(root, {**prefixes, **{uri: prefix for prefix, uri in _NAMESPACES.items()}})
    return BuiltPacket((_PACKET_HEAD + body + _PACKET_TAIL).encode("utf-8"), replaced)


def _parse(existing: bytes) -> tuple[ET.Element, dict[str, str]] | None:
    """The packet's root element and the prefixes it declared (namespace URI to prefix), or None."""
    if len(existing) > MAX_EXISTING_PACKET:
        return None
    prefixes: dict[str, str] = {}
    root: ET.Element | None = None
    try:
        for event, item in ET.iterparse(io.BytesIO(existing.strip(b"\x00 \t\r\n")), events=("start-ns", "start")):
            if event == "start-ns":
                prefix, uri = item
                prefixes.setdefault(uri, prefix)
            elif root is None:
                root = item
    except ET.ParseError:
        return None
    if root is None or root.tag not in ("{adobe:ns:meta/}xmpmeta", _RDF + "RDF"):
        return None
    return root, prefixes


def _serialise(root: ET.Element, prefixes: dict[str, str]) -> str:
    """XML text of `root` with the customary XMP prefixes (ElementTree would rename unknown ones ns0, ns1...)."""
    declared: dict[str, str] = {}

    def name(qualified: str) -> str:
        if not qualified.startswith("{"):
            return qualified
        uri, local = qualified[1:].split("}", 1)
        if uri == _XML_NS:
            return "xml:" + local
        if uri not in declared:
            wanted = prefixes.get(uri, "")
            taken = set(declared.values())
            if not wanted or wanted in taken:
                wanted = next(f"ns{n}" for n in range(len(taken) + 1) if f"ns{n}" not in taken)
            declared[uri] = wanted
        return f"{declared[uri]}:{local}"

    def render(element: ET.Element) -> str:
        tag = name(element.tag)
        attributes = "".join(f" {name(key)}={quoteattr(value)}" for key, value in element.attrib.items())
        inner = escape(element.text or "") + "".join(render(child) + escape(child.tail or "") for child in element)
        return f"<{tag}{attributes}>{inner}</{tag}>"

    body = render(root)
    declarations = "".join(f" xmlns:{prefix}={quoteattr(uri)}" for uri, prefix in declared.items())
    head, rest = body.split(">", 1)
    return f"{head}{declarations}>{rest}"


def _remove_ours(description: ET.Element) -> None:
    for child in list(description):
        if child.tag in _OURS:
            description.remove(child)
    for name in [name for name in description.attrib if name in _OURS]:
        del description.attrib[name]


def _our_description(fields: XmpFields) -> ET.Element:
    description = ET.Element(_RDF + "Description", {_RDF + "about": ""})
    ET.SubElement(description, _DATA_MINING).text = PLUS_VOCAB + fields.data_mining
    if fields.creator:
        sequence = ET.SubElement(ET.SubElement(description, _DC + "creator"), _RDF + "Seq")
        ET.SubElement(sequence, _RDF + "li").text = _xml_safe(fields.creator)
    if fields.rights:
        alternatives = ET.SubElement(ET.SubElement(description, _DC + "rights"), _RDF + "Alt")
        ET.SubElement(alternatives, _RDF + "li", {_XML_LANG: "x-default"}).text = _xml_safe(fields.rights)
        ET.SubElement(description, _RIGHTS + "Marked").text = "True"
    return description


def _xml_safe(text: str) -> str:
    """Control characters are not allowed in XML 1.0; they are dropped from names and notices."""
    return _XML_FORBIDDEN.sub("", text)
