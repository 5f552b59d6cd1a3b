"""Hugging Face dataset viewer source against a local server with the documented answer shapes."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from core.net import HttpClient
from core.sources import HfViewerSource, HubDataset, SourceConfig, SourceQuery
from core.sources.hf_viewer import MAX_TERMS_PER_FILTER, MAX_WHERE_CHARS
from tests.net.servers import RecordingServer
from tests.sources.helpers import FAST, PROFILE, assert_sent_exactly_the_plan
from tests.sources.hubserver import serve_hub

COYO = HubDataset(
    repo="kakaobrain/coyo-700m", phash_column="image_phash", url_column="url", text_column="text", id_column="id"
)
DATACOMP = HubDataset(
    repo="mlfoundations/datacomp_small",
    sha256_column="sha256",
    url_column="url",
    text_column="text",
    id_column="uid",
    gated=True,
)
PHASH = "bac58374982e0fc7"
SHA = "ab" * 32

COYO_ROWS = [
    {"id": 1, "url": "https://okonkwo-lindqvist.art/works/tide.jpg", "text": "Tide", "image_phash": PHASH},
    {"id": 2, "url": "https://okonkwo-lindqvist.art.fake.net/copy.jpg", "text": "stolen", "image_phash": "0" * 16},
    {"id": 3, "url": "https://cdn.okonkwo-lindqvist.art/a.png", "text": "poster", "image_phash": "1" * 16},
    {"id": 4, "url": "https://x.org/1.jpg", "text": "Portrait by Ada Okonkwo-Lindqvist, oil", "image_phash": "2" * 16},
    {"id": 5, "url": "https://x.org/2.jpg", "text": "Ada Lovelace portrait", "image_phash": "3" * 16},
    {"id": 6, "url": "https://www.artstation.com/adaok/art/9", "text": "wip", "image_phash": "4" * 16},
]
DATACOMP_ROWS = [{"uid": "f" * 32, "url": "https://a.net/x.jpg", "text": "x", "sha256": SHA}]


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(FAST) as http:
        yield http


def _source(server: RecordingServer, token: str | None = None) -> HfViewerSource:
    return HfViewerSource(SourceConfig(url=server.url_for("/").rstrip("/"), token=token))


def test_finds_verified_hits_of_every_kind(server: RecordingServer, client: HttpClient) -> None:
    serve_hub(server, {COYO.repo: COYO_ROWS}, partial=True)
    source = _source(server)
    query = SourceQuery(phashes=(PHASH, "c" * 16), profile=PROFILE, hub_datasets=(COYO,))
    result = source.search(query, client)
    assert result.status == "ok" and result.coverage == "partial"
    found = {(hit.kind, hit.row_id) for hit in result.hits}
    # id 2 (look-alike domain) and id 5 (BM25 matched "Ada" only) are over-retrieval, dropped locally
    assert found == {("phash", "1"), ("url", "1"), ("url", "3"), ("text", "4"), ("url", "6")}
    assert all(hit.coverage == "partial" for hit in result.hits)
    phash_hit = next(hit for hit in result.hits if hit.kind == "phash")
    assert (phash_hit.distance, phash_hit.matched, phash_hit.dataset) == (0, PHASH, COYO.label)
    assert_sent_exactly_the_plan(server.recorded, source.describe_outgoing(query))
    assert all("Authorization" not in request.headers for request in server.recorded)


def test_full_coverage_is_carried_when_the_response_is_not_partial(server: RecordingServer, client: HttpClient) -> None:
    serve_hub(server, {COYO.repo: COYO_ROWS}, partial=False)
    result = _source(server).search(SourceQuery(phashes=(PHASH,), hub_datasets=(COYO,)), client)
    assert [hit.coverage for hit in result.hits] == ["full"]
    assert result.coverage == "partial"  # the source itself only ever sees the first 5 GB


def test_hashes_are_batched_within_the_api_limits(server: RecordingServer, client: HttpClient) -> None:
    serve_hub(server, {COYO.repo: COYO_ROWS})
    phashes = tuple(f"{n:016x}" for n in range(1, 101)) + (PHASH,)
    result = _source(server).search(SourceQuery(phashes=phashes, hub_datasets=(COYO,)), client)
    wheres = [parse_qs(request.query)["where"][0] for request in server.recorded]
    assert len(wheres) >= 3
    sent: list[str] = []
    for request, where in zip(server.recorded, wheres, strict=True):
        assert parse_qs(request.query)["length"] == ["100"]
        assert len(where) <= MAX_WHERE_CHARS and where.count(" OR ") < MAX_TERMS_PER_FILTER
        sent += [term.split("=")[1].strip("'") for term in where.split(" OR ")]
    assert sorted(sent) == sorted(phashes)
    assert [hit.row_id for hit in result.hits] == ["1"]


def test_long_answers_are_paged_and_bounded(server: RecordingServer, client: HttpClient) -> None:
    rows = [
        {"id": n, "url": f"https://okonkwo-lindqvist.art/{n}.jpg", "text": "", "image_phash": "5" * 16}
        for n in range(250)
    ]
    serve_hub(server, {COYO.repo: rows})
    query = SourceQuery(profile=PROFILE.__class__(domains=("okonkwo-lindqvist.art",)), hub_datasets=(COYO,))
    result = _source(server).search(query, client)
    assert [parse_qs(r.query)["offset"][0] for r in server.recorded] == ["0", "100", "200"]
    assert len(result.hits) == 250 and result.status == "ok"


def test_token_is_sent_only_for_gated_datasets(server: RecordingServer, client: HttpClient) -> None:
    serve_hub(
        server,
        {COYO.repo: COYO_ROWS, DATACOMP.repo: DATACOMP_ROWS},
        gated=frozenset({DATACOMP.repo}),
        token="hf_secret",
    )
    source = _source(server, token="hf_secret")
    query = SourceQuery(phashes=(PHASH,), sha256s=(SHA,), hub_datasets=(COYO, DATACOMP))
    result = source.search(query, client)
    assert {(hit.kind, hit.row_id) for hit in result.hits} == {("phash", "1"), ("sha256", "f" * 32)}
    for request in server.recorded:
        gated = parse_qs(request.query)["dataset"] == [DATACOMP.repo]
        assert (request.headers.get("Authorization") == "Bearer hf_secret") is gated
    described = source.describe_outgoing(query)
    assert all("hf_secret" not in repr(request) for request in described)
    assert {request.credential for request in described} == {"", "Authorization: Bearer <your token>"}


def test_gated_dataset_without_token_is_skipped_and_said(server: RecordingServer, client: HttpClient) -> None:
    serve_hub(server, {COYO.repo: COYO_ROWS, DATACOMP.repo: DATACOMP_ROWS}, gated=frozenset({DATACOMP.repo}))
    query = SourceQuery(phashes=(PHASH,), sha256s=(SHA,), hub_datasets=(COYO, DATACOMP))
    result = _source(server).search(query, client)
    assert result.status == "ok"
    assert any("gated" in problem and DATACOMP.repo in problem for problem in result.problems)
    assert all(DATACOMP.repo not in request.query for request in server.recorded)


def test_error_code_is_surfaced(server: RecordingServer, client: HttpClient) -> None:
    serve_hub(server, {})
    result = _source(server).search(SourceQuery(phashes=(PHASH,), hub_datasets=(COYO,)), client)
    assert result.status == "unavailable"
    assert "404" in result.error and "DatasetNotFoundError" in result.error


def test_check_uses_is_valid(server: RecordingServer, client: HttpClient) -> None:
    serve_hub(server, {})
    source = _source(server)
    assert source.check(client).status == "ok"
    assert [request.path for request in server.recorded] == ["/is-valid"]


def test_nothing_to_ask_sends_nothing(server: RecordingServer, client: HttpClient) -> None:
    result = _source(server).search(SourceQuery(phashes=(PHASH,)), client)
    assert result.status == "skipped" and "no added dataset lives on the Hugging Face Hub" in result.error
    assert result.hits == () and server.recorded == []
