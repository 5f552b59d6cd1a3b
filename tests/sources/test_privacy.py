"""For every source: record every request the server receives and prove that nothing of the works leaves
the machine except their hex hashes: no image bytes (raw or base64), no thumbnail, no local path or file
name, no OS user name. The query is built the way the app builds it: from real image files on disk."""

from __future__ import annotations

import base64
import getpass
import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import imagehash
import pytest
from PIL import Image
from werkzeug import Request, Response

from core.net import HttpClient
from core.sources import (
    ClipRetrievalSource,
    DatasetteSource,
    HfViewerSource,
    HubDataset,
    Source,
    SourceConfig,
    SourceQuery,
    SpawningSource,
)
from tests.clock import ManualClock
from tests.imagefactory import pattern, save
from tests.net.servers import RecordingServer
from tests.sources.helpers import FAST, PROFILE, assert_sent_exactly_the_plan
from tests.sources.hubserver import serve_hub

WORK_NAMES = ("IMG_0042-secret-commission.png", "sketch_private_draft.jpg", "Nachtstück für Jonas.webp")
COYO = HubDataset(
    repo="kakaobrain/coyo-700m",
    phash_column="image_phash",
    sha256_column="sha256",
    url_column="url",
    text_column="text",
    id_column="id",
    gated=True,
)


class Works:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.paths = [save(pattern(320, 240, seed), folder / name) for seed, name in enumerate(WORK_NAMES)]
        self.files = [path.read_bytes() for path in self.paths]
        self.thumbnails = [_thumbnail(path) for path in self.paths]

    def query(self) -> SourceQuery:
        return SourceQuery(
            phashes=tuple(str(imagehash.phash(Image.open(path))) for path in self.paths),
            sha256s=tuple(hashlib.sha256(data).hexdigest() for data in self.files),
            profile=PROFILE,
            candidate_urls=("https://img.example.net/a.jpg", "https://okonkwo-lindqvist.art/tide.jpg"),
            titles=("Evening over Lagos",),
            hub_datasets=(COYO,),
        )

    def forbidden(self) -> dict[str, list[bytes]]:
        """Byte strings that must never appear in any request."""
        needles: dict[str, list[bytes]] = {
            "image bytes": [],
            "base64 image bytes": [],
            "thumbnail": [],
            "local path": [],
            "user name": [],
        }
        for kind, blobs in (("image bytes", self.files), ("thumbnail", self.thumbnails)):
            for blob in blobs:
                runs = [_run(blob, at) for at in (0.1, 0.5, 0.9)]
                needles[kind] += runs
                needles["base64 image bytes"] += [b for run in runs for b in _base64_forms(run)]
                needles["base64 image bytes"].append(base64.b64encode(blob)[40:80])
        texts = [
            str(self.folder),
            *(str(path) for path in self.paths),
            *(path.name for path in self.paths),
            *(path.stem for path in self.paths),
        ]
        needles["local path"] += [form for text in texts for form in _text_forms(text)]
        needles["user name"] += _text_forms(getpass.getuser())
        return needles


def _thumbnail(path: Path) -> bytes:
    image = Image.open(path).convert("RGB")
    image.thumbnail((96, 96))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _run(blob: bytes, where: float) -> bytes:
    start = int(len(blob) * where)
    return blob[start : start + 24]


def _base64_forms(run: bytes) -> list[bytes]:
    """The run base64-encoded at each of the three byte alignments (middle part only: edges depend on
    neighbours), also URL-safe."""
    forms = []
    for shift in range(3):
        encoded = base64.b64encode(run[shift:])[4:-4]
        forms += [encoded, encoded.replace(b"+", b"-").replace(b"/", b"_")]
    return forms


def _text_forms(text: str) -> list[bytes]:
    forms = {text, quote(text), quote_plus(text), json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    return [form.encode("utf-8") for form in forms]


def _datasette(request: Request) -> Response:
    row = {"id": 1, "url": "https://okonkwo-lindqvist.art/w/1.jpg", "text": "Study by Ada Okonkwo-Lindqvist"}
    payload = {
        "database": "laion",
        "table": "images",
        "rows": [row],
        "primary_keys": ["id"],
        "next": None,
        "next_url": None,
        "columns": ["id", "url", "text"],
    }
    return Response(json.dumps(payload), content_type="application/json")


def _spawning(request: Request) -> Response:
    urls = [{"url": line, "optOut": False, "optIn": False} for line in request.get_data().decode().split("\n")]
    return Response(json.dumps({"urls": urls}), content_type="application/json")


def _knn(request: Request) -> Response:
    return Response(
        json.dumps([{"id": 1, "similarity": 0.3, "url": "https://x.org/1.jpg", "caption": "x"}]),
        content_type="application/json",
    )


def _serve_everything(server: RecordingServer) -> None:
    serve_hub(server, {COYO.repo: []}, gated=frozenset({COYO.repo}), token="hf_tok")
    server.expect_request("/laion/images.json").respond_with_handler(_datasette)
    server.expect_request("/api/v2/query/urls/", method="POST").respond_with_handler(_spawning)
    server.expect_request("/indices-list").respond_with_json(["laion_400m"])
    server.expect_request("/knn-service", method="POST").respond_with_handler(_knn)


def _sources(base: str) -> list[Source]:
    return [
        HfViewerSource(SourceConfig(url=base, token="hf_tok")),
        SpawningSource(SourceConfig(url=f"{base}/api/v2/query/urls/", token="spawn_tok")),
        ClipRetrievalSource(SourceConfig(url=base)),
        DatasetteSource(SourceConfig(url=base, table="laion/images")),
    ]


@pytest.fixture
def client() -> Iterator[HttpClient]:
    """On a hand-driven clock: the sources' rate-limit waits take no real time."""
    clock = ManualClock()
    with HttpClient(FAST, clock=clock, sleep=clock.sleep) as http:
        yield http


@pytest.mark.parametrize("index", range(4), ids=["huggingface", "spawning", "clip-retrieval", "datasette"])
def test_nothing_of_the_works_leaves_the_machine(
    server: RecordingServer, client: HttpClient, tmp_path: Path, index: int
) -> None:
    works = Works(tmp_path / "Portfolio")
    query = works.query()
    _serve_everything(server)
    source = _sources(server.url_for("").rstrip("/"))[index]
    result = source.search(query, client)
    assert result.status == "ok", result
    assert_sent_exactly_the_plan(server.recorded, source.describe_outgoing(query))
    assert source.check(client).status == "ok"
    assert server.recorded, "the source sent nothing: the test would prove nothing"
    wire = [request.everything() for request in server.recorded]
    for kind, needles in works.forbidden().items():
        for needle in needles:
            assert len(needle) >= 4, (kind, needle)
            for sent in wire:
                assert needle not in sent, f"{kind} found in a request to {source.id}: {needle[:40]!r}"


def test_the_hashes_are_what_is_sent_to_the_hash_lookup(
    server: RecordingServer, client: HttpClient, tmp_path: Path
) -> None:
    """The positive side of the privacy test: the hex hashes do go out (so the needles above are meaningful)."""
    works = Works(tmp_path / "Portfolio")
    query = works.query()
    _serve_everything(server)
    HfViewerSource(SourceConfig(url=server.url_for("").rstrip("/"), token="hf_tok")).search(query, client)
    wire = b"".join(request.everything() for request in server.recorded)
    for digest in (*query.phashes, *query.sha256s):
        assert digest.encode() in wire or quote_plus(f"'{digest}'").encode() in wire
    assert re.search(rb"Authorization: Bearer hf_tok", wire)
