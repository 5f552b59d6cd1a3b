"""Every source, every fault: the source says "unavailable" with the reason, never raises, never waits
longer than the configured timeout (one timeout per source: it stops at the first sign of a dead server).

Time is read off a hand-driven clock shared by the client and the misbehaving servers: a server that holds a
request moves the clock past the call's deadline, so "waited at most one timeout" is exact on any machine.
"""

from __future__ import annotations

import re
import threading
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
from tests.clock import ManualClock
from tests.net.servers import MisbehavingServer, RecordingServer, free_port
from tests.sources.helpers import FAST

# Socket timeouts far away: only the call's deadline (on the hand-driven clock) can cut a request that hangs.
CLOCKED = replace(FAST, timeout=10.0, connect_timeout=60.0, read_timeout=60.0)
HELD = CLOCKED.timeout + 1  # how long (on the clock) a hanging server holds each request it gets

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


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def client(clock: ManualClock) -> Iterator[HttpClient]:
    with HttpClient(CLOCKED, clock=clock, sleep=clock.sleep) as http:
        yield http


def _assert_unavailable(source: Source, client: HttpClient, clock: ManualClock, reason: str, held: float = 0) -> None:
    """`held`: clock time the server takes from one request (a second request would take it again)."""
    started = clock()
    result = source.search(QUERY, client)
    elapsed = clock() - started
    assert result.status == "unavailable", result
    assert re.search(reason, result.error), result.error
    assert elapsed < CLOCKED.timeout + held, f"waited {elapsed:.2f} s on the client's clock"
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
def test_http_faults(
    server: RecordingServer, client: HttpClient, clock: ManualClock, source_id: str, fault: str, reason: str
) -> None:
    responses = {
        "500": Response("oops", status=500),
        "404-code": Response('{"error": "gone"}', status=404, headers={"X-Error-Code": "NotFoundCode"}),
        "malformed": Response('{"rows": [', content_type="application/json"),
        "huge": Response(b"[" + b"1," * 200_000 + b"1]", content_type="application/json"),
        "wrong-shape": Response('{"unexpected": true}', content_type="application/json"),
    }
    server.expect_request(ANY_PATH).respond_with_response(responses[fault])
    _assert_unavailable(SOURCES[source_id](server.url_for("").rstrip("/")), client, clock, reason)


@pytest.mark.parametrize("source_id", sorted(SOURCES))
def test_server_sleeping_past_the_timeout(
    server: RecordingServer, client: HttpClient, clock: ManualClock, source_id: str
) -> None:
    release = threading.Event()

    def sleepy(_request: Request) -> Response:
        clock.advance(HELD)
        release.wait(30)
        return Response("[]", content_type="application/json")

    server.expect_request(ANY_PATH).respond_with_handler(sleepy)
    try:
        _assert_unavailable(SOURCES[source_id](server.url_for("").rstrip("/")), client, clock, "time limit", HELD)
    finally:
        release.set()
    assert len(server.recorded) == 1


@pytest.mark.parametrize("source_id", sorted(SOURCES))
@pytest.mark.parametrize("mode", ["trickle-body", "trickle-headers"])
def test_trickling_server(client: HttpClient, clock: ManualClock, source_id: str, mode: str) -> None:
    with MisbehavingServer(mode, interval=0.05, on_request=lambda: clock.advance(HELD)) as misbehaving:
        _assert_unavailable(SOURCES[source_id](misbehaving.url.rstrip("/")), client, clock, "time limit", HELD)
    assert misbehaving.connections == 1


@pytest.mark.parametrize("source_id", sorted(SOURCES))
def test_connection_refused(client: HttpClient, clock: ManualClock, source_id: str) -> None:
    _assert_unavailable(SOURCES[source_id](f"http://127.0.0.1:{free_port()}"), client, clock, "refused")


@pytest.mark.parametrize("source_id", sorted(SOURCES))
def test_dns_failure(client: HttpClient, clock: ManualClock, source_id: str) -> None:
    _assert_unavailable(SOURCES[source_id]("http://no-such-host.invalid"), client, clock, "DNS")
