"""A small, fully known evidence case built from real image files: names in three scripts, every match kind,
a long unbroken URL, a hostile caption, an EXIF-rotated JPEG, a transparent PNG and an unreadable file."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import imagehash
from PIL import Image, ImageDraw

from core.catalogue.matches import Match
from core.catalogue.works import Work
from core.datasets.descriptors import builtin_descriptors
from core.datasets.manager import DatasetInfo
from core.datasets.store import ShardState
from core.evidence.inputs import EvidenceInput, build_evidence_input
from core.profile import Profile

GENERATED_AT = datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)
LATIN_NAME = "Zoë Ångström-Müller"
CJK_NAME = "山田花子"
ARABIC_NAME = "ليلى أحمد"
HANGUL_NAME = "김민지"
LONG_URL = "https://images.example-host.net/" + "a1b2c3d4e5" * 24 + ".jpg?token=" + "f" * 40
HOSTILE_CAPTION = "{{ 7*7 }} [click](https://evil.example/x) \u202etxt.exe <b>bold</b> & more"


@dataclass(frozen=True)
class Case:
    evidence: EvidenceInput
    folder: Path
    works: dict[str, Work]
    matches: tuple[Match, ...]


def _drawing(size: tuple[int, int], colour: tuple[int, int, int]) -> Image.Image:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] - 4), fill=(250, 250, 250))
    draw.ellipse((size[0] // 2, 4, size[0] - 4, size[1] // 2), fill=(10, 10, 10))
    return image


def write_images(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rotated = _drawing((120, 60), (200, 60, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    paths = {"rotated": folder / "étude-rotated.jpg", "alpha": folder / "alpha.png", "broken": folder / "broken.png"}
    rotated.save(paths["rotated"], format="JPEG", quality=90, exif=exif)
    alpha = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(alpha).ellipse((8, 8, 56, 56), fill=(30, 90, 200, 255))
    alpha.save(paths["alpha"], format="PNG")
    paths["broken"].write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    return paths


def _work(work_id: int, path: Path) -> Work:
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        phash = int(str(imagehash.phash(image)), 16)
        width, height, fmt = image.width, image.height, image.format
    stamp = "2026-11-26T10:00:00+00:00"
    return Work(work_id, str(path), len(data), 0, hashlib.sha256(data).hexdigest(), phash, None, None, None,
                width, height, fmt, "ok", None, None, stamp, stamp)  # fmt: skip


def _match(match_id: int, work: Work | None, dataset: str, row_id: str, kind: str, **values: object) -> Match:
    fields: dict[str, object] = {
        "distance": None, "score": 1.0, "url": None, "caption": None, "published_hash": None,
        "evidence": f"{kind} match; {dataset} row {row_id}", "coverage": "full", "source": "local index",
    }  # fmt: skip
    fields.update(values)
    return Match(
        id=match_id, work_id=work.id if work else None, work_path=work.path if work else None,
        work_sha256=work.sha256 if work else None, dataset=dataset, row_id=row_id, kind=kind,
        found_at="2026-11-26T11:00:00+00:00", status="confirmed", note="", decided_at="2026-11-26T12:00:00+00:00",
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def _datasets(shard_folder: Path) -> list[DatasetInfo]:
    known = builtin_descriptors()
    local = str(shard_folder / "coyo-part-00000.parquet")
    coyo = ShardState(1, local, "done", 0, 1000, 5000, None, "2026-11-26T09:00:00+00:00")
    laion = ShardState(1, "hf://datasets/laion/relaion2B-en-research@main/part-00000.parquet", "pending", None, 0, 0,
                       None, None)  # fmt: skip
    datacomp = ShardState(1, "hf://datasets/mlfoundations/datacomp_small@main/0.parquet", "done", 0, 2000, 9000,
                          None, "2026-11-26T09:30:00+00:00")  # fmt: skip
    return [
        DatasetInfo(known["coyo-700m"], (coyo,), 1000, 5000),
        DatasetInfo(known["datacomp-small"], (datacomp,), 2000, 9000),
        DatasetInfo(known["laion2b-en"], (laion,), 0, 0),
    ]


def build_case(folder: Path) -> Case:
    paths = write_images(folder / "portfolio")
    rotated, alpha = _work(1, paths["rotated"]), _work(2, paths["alpha"])
    broken = Work(3, str(paths["broken"]), 25, 0, None, None, None, None, None, None, None, None, "unreadable",
                  "corrupt or undecodable image (broken PNG file)", "corrupt", "2026-11-26T10:00:00+00:00",
                  "2026-11-26T10:00:00+00:00")  # fmt: skip
    near = format(rotated.phash ^ (1 << 63) ^ (1 << 5), "016x") if rotated.phash is not None else None
    local_shard = str(folder / "shards" / "coyo-part-00000.parquet")
    matches = (
        _match(11, rotated, "coyo-700m", "7425706646718", "phash", distance=2, published_hash=near,
               url=LONG_URL, caption=f"{CJK_NAME} study, ink", score=0.99,
               evidence=f"pHash of the work at Hamming distance 2; coyo-700m row 7425706646718 ({local_shard}, row 9)"),
        _match(12, alpha, "datacomp-small", "8fcc5ec4445f0daaf93bf068a59f7051", "sha256", distance=0,
               published_hash=alpha.sha256, url="https://cdn.zoe-art.example/alpha.png", caption=HOSTILE_CAPTION),
        _match(13, None, "laion2b-en", "4078584921", "text", score=0.8,
               url="https://static.example.org/p/123.jpg", caption=f"portrait by {ARABIC_NAME}"),
    )  # fmt: skip
    profile = Profile(name=LATIN_NAME, aliases=(CJK_NAME, ARABIC_NAME, HANGUL_NAME), domains=("zoe-art.example",),
                      handles=("@zoe",), email="zoe@zoe-art.example")  # fmt: skip
    evidence = build_evidence_input(
        profile, GENERATED_AT, _datasets(folder / "shards"), matches, [rotated, alpha, broken],
        sources=[{"id": "hf-viewer", "status": "unavailable", "coverage": "partial", "error": "HTTP 503"}],
    )  # fmt: skip
    return Case(evidence, folder, {"rotated": rotated, "alpha": alpha, "broken": broken}, matches)
