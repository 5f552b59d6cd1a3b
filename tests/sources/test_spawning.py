"""Spawning opt-out query against a local server with the documented answer shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from werkzeug import Request, Response

from core.net import HttpClient
from core.sources import SourceConfig, SourceQuery, SpawningSource
from core.sources.spawning import BATCH_MAX
from tests.net.servers import RecordingServer
from tests.sources.helpers import FAST, assert_sent_exactly_the_plan

PATH = "/api/v2/query/urls/"
OPTED_OUT = "https://cdn.example.org/opted-out.jpg"


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(FAST) as http:
        yield http


def _answer(request: Request) -> Response:
    """The documented shape: one entry per line, in order."""
    assert request.headers["Content-Type"] == "text/plain"
    lines = request.get_data().decode("utf-8").split("\n")
    if len(lines) < 2 or len(lines) > BATCH_MAX:
        return Response(json.dumps({"detail": "between 2 and 10000 URLs"}), status=400)
    urls = [{"url": line, "optOut": line == OPTED_OUT, "optIn": False} for line in lines]
    return Response(json.dumps({"urls": urls}), content_type="application/json")


def _source(server: RecordingServer, token: str | None = "key-123") -> SpawningSource:
    return SpawningSource(SourceConfig(url=server.url_for(PATH), token=token))


def test_a_single_url_is_padded_to_the_minimum(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request(PATH, method="POST").respond_with_handler(_answer)
    query = SourceQuery(candidate_urls=(OPTED_OUT,))
    source = _source(server)
    result = source.search(query, client)
    assert result.status == "ok" and result.coverage == "full"
    assert [(s.url, s.opted_out, s.opted_in) for s in result.opt_outs] == [(OPTED_OUT, True, False)]
    (request,) = server.recorded
    assert request.body == f"{OPTED_OUT}\n{OPTED_OUT}".encode()
    assert request.headers["Authorization"] == "API key-123"
    described = source.describe_outgoing(query)
    assert_sent_exactly_the_plan(server.recorded, described)
    assert described[0].body == request.body.decode() and "key-123" not in repr(described)


def test_answers_follow_request_order(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request(PATH, method="POST").respond_with_handler(_answer)
    urls = ("https://a.net/1.jpg", OPTED_OUT, "https://b.net/2.png")
    result = _source(server).search(SourceQuery(candidate_urls=urls + (urls[0],)), client)
    assert [(s.url, s.opted_out) for s in result.opt_outs] == [(urls[0], False), (OPTED_OUT, True), (urls[2], False)]
    assert server.recorded[0].body.decode().split("\n") == list(urls)


def test_large_lists_are_split_into_batches(server: RecordingServer) -> None:
    server.expect_request(PATH, method="POST").respond_with_handler(_answer)
    urls = tuple(f"https://img.example.net/{n}.jpg" for n in range(BATCH_MAX + 1))
    with HttpClient(replace(FAST, max_bytes=5_000_000)) as client:  # 10,000 answers are ~0.8 MB
        result = _source(server).search(SourceQuery(candidate_urls=urls), client)
    assert [len(r.body.decode().split("\n")) for r in server.recorded] == [BATCH_MAX, 2]
    assert len(result.opt_outs) == BATCH_MAX + 1 and result.status == "ok"


def test_without_a_key_nothing_is_sent(server: RecordingServer, client: HttpClient) -> None:
    source = _source(server, token=None)
    result = source.search(SourceQuery(candidate_urls=(OPTED_OUT,)), client)
    assert result.status == "unavailable" and "token" in result.error
    assert source.describe_outgoing(SourceQuery(candidate_urls=(OPTED_OUT,))) == []
    assert server.recorded == []


def test_an_answer_in_the_wrong_order_is_rejected(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request(PATH, method="POST").respond_with_json(
        {"urls": [{"url": "https://b.net/2.jpg", "optOut": True}, {"url": "https://a.net/1.jpg", "optOut": False}]}
    )
    result = _source(server).search(SourceQuery(candidate_urls=("https://a.net/1.jpg", "https://b.net/2.jpg")), client)
    assert result.status == "unavailable" and "order" in result.error


def test_a_rejected_key_is_reported(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request(PATH, method="POST").respond_with_json({"detail": "Invalid API key"}, status=401)
    result = _source(server).check(client)
    assert result.status == "unavailable" and "401" in result.error
    assert len(server.recorded) == 1


def test_urls_with_line_breaks_cannot_enter_a_query() -> None:
    with pytest.raises(ValueError):
        SourceQuery(candidate_urls=("https://a.net/1.jpg\nhttps://evil.net/",))
