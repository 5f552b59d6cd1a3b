"""The explicit registry and what every source declares; cancellation goes through the source boundary."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import pytest
from werkzeug import Request, Response

from core.errors import Cancelled, UsageError
from core.net import HttpClient
from core.progress import Progress
from core.sources import SOURCE_TYPES, DatasetteSource, SourceConfig, SourceQuery, create_source, source_ids
from tests.clock import ManualClock
from tests.net.servers import RecordingServer
from tests.sources.helpers import FAST, PROFILE


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(FAST) as http:
        yield http


def test_the_four_built_in_sources_are_registered() -> None:
    assert source_ids() == ("huggingface", "spawning", "clip-retrieval", "datasette")
    assert isinstance(create_source("datasette", SourceConfig(url="http://x", table="a/b")), DatasetteSource)
    with pytest.raises(UsageError, match="known sources: huggingface"):
        create_source("knn.laion.ai")


@pytest.mark.parametrize("source_type", SOURCE_TYPES, ids=lambda t: t.id)
def test_every_source_declares_what_the_ui_needs(source_type: type) -> None:
    assert source_type.name and source_type.homepage.startswith("https://") and source_type.sends
    assert source_type.coverage in ("partial", "full")
    assert source_type.rate.tokens_per_second > 0
    keys = [spec.key for spec in source_type.settings]
    assert len(keys) == len(set(keys))
    assert all(spec.secret == (spec.key == "token") for spec in source_type.settings)


def test_an_unconfigured_source_plans_nothing_and_says_what_is_missing(client: HttpClient) -> None:
    source = DatasetteSource()
    assert source.missing_settings() == ["url", "table"]
    assert source.describe_outgoing(SourceQuery(profile=PROFILE)) == []
    result = source.search(SourceQuery(profile=PROFILE), client)
    assert (result.status, result.error) == ("unavailable", "not configured: set url, table")


def test_the_token_never_shows_in_repr_or_description() -> None:
    config = SourceConfig(url="http://127.0.0.1:1", table="db/t", token="dstok_secret")
    assert "dstok_secret" not in repr(config)
    described = DatasetteSource(config).describe_outgoing(SourceQuery(profile=PROFILE))
    assert described and all("dstok_secret" not in repr(request) for request in described)
    assert {request.credential for request in described} == {"Authorization: Bearer <your token>"}


def test_cancel_propagates_out_of_search_at_once(server: RecordingServer) -> None:
    """Cancelled while the server holds the first request; nothing moves the client's clock, so no deadline can
    end the call: only the cancel does, and the source sends nothing more."""
    release, progress = threading.Event(), Progress()

    def slow(_request: Request) -> Response:
        progress.cancel()
        release.wait(30)
        return Response("[]", content_type="application/json")

    server.expect_request("/db/t.json").respond_with_handler(slow)
    source = DatasetteSource(SourceConfig(url=server.url_for("").rstrip("/"), table="db/t"))
    clock = ManualClock()
    try:
        with HttpClient(FAST, clock=clock, sleep=clock.sleep) as client:
            with pytest.raises(Cancelled):
                source.search(SourceQuery(profile=PROFILE), client, progress)
    finally:
        release.set()
    assert len(server.recorded) == 1


def test_a_client_serves_several_threads(server: RecordingServer, tmp_path_factory: pytest.TempPathFactory) -> None:
    server.expect_request("/db/t.json").respond_with_json({"rows": [], "primary_keys": ["id"], "next": None})
    source = DatasetteSource(SourceConfig(url=server.url_for("").rstrip("/"), table="db/t"))
    results = []
    # Datasette allows a burst of 3 then 2 requests a second: the sixth request waits about 1.5 s for its turn,
    # so the call budget must exceed that (this test is about sharing one client, not about deadlines); the
    # waits are taken on a hand-driven clock, so no real time passes.
    patient = dataclasses.replace(FAST, timeout=6.0)
    clock = ManualClock()
    with HttpClient(patient, cache_dir=tmp_path_factory.mktemp("cache"), clock=clock, sleep=clock.sleep) as shared:
        threads = [
            threading.Thread(
                target=lambda n=n: results.append(
                    source.search(SourceQuery(profile=PROFILE.__class__(name=f"Name {n}")), shared)
                )
            )
            for n in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert [result.status for result in results] == ["ok"] * 6


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        (SourceConfig(url="file:///etc", table="db/t"), "must start with http"),
        (SourceConfig(url="http://127.0.0.1:1", table="just-a-table"), "DATABASE/TABLE"),
        (SourceConfig(url="http://127.0.0.1:1", table="db/t/extra"), "DATABASE/TABLE"),
    ],
)
def test_invalid_settings_are_reported_before_anything_is_sent(
    client: HttpClient, config: SourceConfig, reason: str
) -> None:
    source = DatasetteSource(config)
    assert reason in source.settings_problem()
    assert source.describe_outgoing(SourceQuery(profile=PROFILE)) == []
    result = source.search(SourceQuery(profile=PROFILE), client)
    assert result.status == "unavailable" and reason in result.error


@pytest.mark.parametrize(
    "bad",
    [
        dict(phashes=("/home/ada/Portfolio/tide.png",)),
        dict(phashes=("BAC58374982E0FC7",)),  # callers pass ImageHash's lowercase str()
        dict(sha256s=("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk",)),
        dict(candidate_urls=("file:///home/ada/Portfolio/tide.png",)),
        dict(candidate_urls=("https://a.net/1.jpg\nhttps://b.net/2.jpg",)),
    ],
)
def test_a_query_accepts_only_hex_hashes_and_web_urls(bad: dict[str, tuple[str, ...]]) -> None:
    with pytest.raises(ValueError):
        SourceQuery(**bad)  # type: ignore[arg-type]
