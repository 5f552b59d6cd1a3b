"""Every source, every fault: the source says "unavailable" with the reason, never raises, never waits
longer than the configured timeout (one timeout per source: it stops at the first sign of a dead server)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from werkzeug import Request, Response

from core.net import HttpClient
from core.profile import Profile
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
from tests.net.servers import MisbehavingServer, RecordingServer, free_port
from tests.sources.helpers import FAST

TIGHT = replace(FAST, timeout=0.6, connect_timeout=0.4, read_timeout=0.4)

QUERY = SourceQuery(
    phashes=("bac58374982e0fc7",),
    profile=Profile(name="Ada Okonkwo-Lindqvist", domains=("okonkwo-lindqvist.art",)),
    candidate_urls=("https://a.net/1.jpg", "https://b.net/2.jpg"),
    hub_datasets=(
        HubDataset(repo="kakaobrain/coyo-700m", phash_column="image_phash", url_column="url", text_column="text"),
    ),
)

SOURCES: dict[str, Callable[[str], Source]] = {
    "huggingface": lambda base: HfViewerSource(SourceConfig(url=base)),
    "spawning": lambda base: SpawningSource(SourceConfig(url=f"{base}/api/v2/query/urls/", token="k")),
    "clip-retrieval": lambda base: ClipRetrievalSource(SourceConfig(url=base, index="laion_400m")),
    "datasette": lambda base: DatasetteSource(SourceConfig(url=base, table="laion/images")),
}

ANY_PATH = re.compile(".*")
MARGIN = 0.5


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(TIGHT) as http:
        yield http


def _assert_unavailable(source: Source, client: HttpClient, reason: str) -> None:
    started = time.monotonic()
    result = source.search(QUERY, client)
    elapsed = time.monotonic() - started
    assert result.status == "unavailable", result
    assert re.search(reason, result.error), result.error
    assert elapsed < TIGHT.timeout + MARGIN, f"took {elapsed:.2f} s"
    assert result.summary() == {
        "id": source.id,
        "status": "unavailable",
        "coverage": source.coverage,
        "error": result.error,
    }


@pytest.mark.parametrize("source_id", sorted(SOURCES))
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("500", "HTTP 500"),
        ("404-code", "HTTP 404 \\(NotFoundCode\\)"),
        ("malformed", "not valid JSON"),
        ("huge", "over the limit"),
        ("wrong-shape", "answer|result"),
    ],
)
def test_http_faults(server: RecordingServer, client: HttpClient, source_id: str, fault: str, reason: str) -> None:
    responses = {
        "500": Response("oops", status=500),
        "404-code": Response('{"error": "gone"}', status=404, headers={"X-Error-Code": "NotFoundCode"}),
        "malformed": Response('{"rows": [', content_type="application/json"),
        "huge": Response(b"[" + b"1," * 200_000 + b"1]", content_type="application/json"),
        "wrong-shape": Response('{"unexpected": true}', content_type="application/json"),
    }
    server.expect_request(ANY_PATH).respond_with_response(responses[fault])
    _assert_unavailable(SOURCES[source_id](server.url_for("").rstrip("/")), client, reason)


@pytest.mark.parametrize("source_id", sorted(SOURCES))
def test_server_sleeping_past_the_timeout(server: RecordingServer, client: HttpClient, source_id: str) -> None:
    release = threading.Event()

    def sleepy(_request: Request) -> Response:
        release.wait(10)
        return Response("[]", content_type="application/json")

    server.expect_request(ANY_PATH).respond_with_handler(sleepy)
    try:
        _assert_unavailable(SOURCES[source_id](server.url_for("").rstrip("/")), client, "time limit")
    finally:
        release.set()


@pytest.mark.parametrize("source_id", sorted(SOURCES))
@pytest.mark.parametrize("mode", ["trickle-body", "trickle-headers"])
def test_trickling_server(client: HttpClient, source_id: str, mode: str) -> None:
    with MisbehavingServer(mode, interval=0.05) as misbehaving:
        _assert_unavailable(SOURCES[source_id](misbehaving.url.rstrip("/")), client, "time limit")


@pytest.mark.parametrize("source_id", sorted(SOURCES))
def test_connection_refused(client: HttpClient, source_id: str) -> None:
    _assert_unavailable(SOURCES[source_id](f"http://127.0.0.1:{free_port()}"), client, "refused")


@pytest.mark.parametrize("source_id", sorted(SOURCES))
def test_dns_failure(client: HttpClient, source_id: str) -> None:
    _assert_unavailable(SOURCES[source_id]("http://no-such-host.invalid"), client, "DNS")
