"""Reading back the rights metadata in a file, whatever wrote it: before tagging (nothing, or the artist's own
XMP) and after (the reservation), in every container the tagging writes."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from PIL import Image

from core.app import TrainTrace
from core.errors import TrainTraceError
from core.optout.rights_readback import read_rights
from core.paths import AppPaths
from core.profile import Profile

XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' plus:DataMining="http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED">'
    "<dc:creator><rdf:Seq><rdf:li>Ada</rdf:li></rdf:Seq></dc:creator>"
    '<dc:rights><rdf:Alt><rdf:li xml:lang="de">Alle Rechte</rdf:li><rdf:li xml:lang="x-default">All rights'
    "</rdf:li></rdf:Alt></dc:rights></rdf:Description></rdf:RDF></x:xmpmeta>"
)


@pytest.mark.parametrize(
    ("suffix", "save_as"), [(".jpg", "JPEG"), (".png", "PNG"), (".webp", "WEBP"), (".tif", "TIFF")]
)
def test_tagged_copies_read_back_in_every_format(tmp_path: Path, suffix: str, save_as: str) -> None:
    original = tmp_path / f"work{suffix}"
    Image.new("RGB", (24, 16), (10, 120, 200)).save(original, save_as)
    app = TrainTrace.open(AppPaths.resolve(tmp_path / "home"))
    app.set_profile(Profile(name="Ada Okonkwo-Lindqvist"))
    before = app.rights_metadata(original)
    assert before.data_mining == "" and before.xmp_packets == 0 and not before.reserves_ai_training
    (result,) = app.tag_copies([original], tmp_path / "out", "DMI-PROHIBITED-AIMLTRAINING")
    assert result.output is not None
    after = app.rights_metadata(result.output)
    assert after.data_mining == "DMI-PROHIBITED-AIMLTRAINING" and after.reserves_ai_training
    assert after.creators == ("Ada Okonkwo-Lindqvist",) and "Ada Okonkwo-Lindqvist" in after.rights
    assert after.marked == "True"
    assert dict(after.lines())["Data mining (IPTC)"] == "DMI-PROHIBITED-AIMLTRAINING"
    app.close()


def test_an_artists_own_xmp_is_read_vocabulary_uris_shortened_and_x_default_preferred(tmp_path: Path) -> None:
    file = tmp_path / "own.jpg"
    Image.new("RGB", (8, 8)).save(file, "JPEG")
    data = file.read_bytes()
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + XMP.encode("utf-8")
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    file.write_bytes(data[:2] + segment + data[2:])
    found = read_rights(file)
    assert (found.data_mining, found.creators, found.rights) == ("DMI-PROHIBITED", ("Ada",), "All rights")


def test_compressed_png_xmp_is_read(tmp_path: Path) -> None:
    file = tmp_path / "compressed.png"
    Image.new("RGB", (8, 8)).save(file, "PNG")
    data = file.read_bytes()
    body = b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + zlib.compress(XMP.encode("utf-8"))
    chunk = len(body).to_bytes(4, "big") + b"iTXt" + body + zlib.crc32(b"iTXt" + body).to_bytes(4, "big")
    file.write_bytes(data[:33] + chunk + data[33:])  # after the IHDR chunk
    assert read_rights(file).data_mining == "DMI-PROHIBITED"


def test_hostile_packets_are_counted_not_parsed(tmp_path: Path) -> None:
    file = tmp_path / "hostile.jpg"
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>'
    broken = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><unclosed></x:xmpmeta>'
    file.write_bytes(b"\xff\xd8\xff" + bomb.encode() + broken.encode())
    found = read_rights(file)
    assert found.xmp_packets == 2 and found.unreadable_packets == 2 and found.data_mining == ""
    with pytest.raises(TrainTraceError, match="cannot read"):
        read_rights(tmp_path / "missing.jpg")
