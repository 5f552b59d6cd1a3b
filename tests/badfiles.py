"""Hostile and broken inputs an artist's folder can hold."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from PIL import Image

from tests.imagefactory import pattern


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_with_header_size(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims `width` x `height` with almost no pixel data behind it."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * 64)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")
    )
    return path


def decompression_bomb(path: Path) -> Path:
    """A real, valid 1-bit PNG of 16000 x 16000 (256 MP) that compresses to a few kilobytes."""
    Image.new("1", (16000, 16000)).save(path, optimize=True)
    return path


def truncated_jpeg(path: Path) -> Path:
    pattern(400, 300, seed=9).save(path, quality=90)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def bad_corpus(folder: Path) -> dict[str, str]:
    """Write every broken case into `folder`; returns relative path -> expected reason code."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.png").write_bytes(b"")
    (folder / "letter.jpg").write_text("Dear gallery, this is a text file with a .jpg name.\n")
    truncated_jpeg(folder / "truncated.jpg")
    decompression_bomb(folder / "bomb.png")
    png_with_header_size(folder / "absurd.png", 400_000, 3)
    return {
        "empty.png": "empty",
        "letter.jpg": "not_image",
        "truncated.jpg": "truncated",
        "bomb.png": "bomb",
        "absurd.png": "bomb",
    }
