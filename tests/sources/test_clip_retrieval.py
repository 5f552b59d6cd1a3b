"""clip-retrieval backend: text queries only, never the image, never a null aesthetic field."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from werkzeug import Request, Response

from core.net import HttpClient
from core.sources import ClipRetrievalSource, SourceConfig, SourceQuery
from tests.clock import ManualClock
from tests.net.servers import RecordingServer
from tests.sources.helpers import FAST, PROFILE, assert_sent_exactly_the_plan

ALLOWED_KEYS = {
    "text",
    "modality",
    "num_images",
    "num_result_ids",
    "indice_name",
    "deduplicate",
    "use_safety_model",
    "use_violence_detector",
    "use_mclip",
}


@pytest.fixture
def client() -> Iterator[HttpClient]:
    """On a hand-driven clock: the sources' rate-limit waits take no real time."""
    clock = ManualClock()
    with HttpClient(FAST, clock=clock, sleep=clock.sleep) as http:
        yield http


def _knn(request: Request) -> Response:
    body = json.loads(request.get_data())
    if body.get("aesthetic_score", 0) is None or body.get("aesthetic_weight", 0) is None:
        return Response("server crash", status=500)  # what the real backend does on a null aesthetic field
    results = [
        {"id": 17, "similarity": 0.31, "url": "https://x.org/17.jpg", "caption": f"{body['text']} at dusk"},
        {"id": 18, "similarity": 0.29, "url": "https://x.org/18.jpg", "caption": "a bridge"},
    ]
    return Response(json.dumps(results), content_type="application/json")


def _serve(server: RecordingServer, indices: list[str]) -> None:
    server.expect_request("/indices-list").respond_with_json(indices)
    server.expect_request("/knn-service", method="POST").respond_with_handler(_knn)


def test_text_queries_only_with_the_documented_fields(server: RecordingServer, client: HttpClient) -> None:
    _serve(server, ["laion5B-H-14", "laion_400m"])
    source = ClipRetrievalSource(SourceConfig(url=server.url_for("/"), index="laion_400m"))
    query = SourceQuery(profile=PROFILE, titles=("Evening over Lagos",))
    result = source.search(query, client)
    assert result.status == "ok" and result.coverage == "partial"
    bodies = [json.loads(request.body) for request in server.recorded]
    assert [body["text"] for body in bodies] == [
        "Ada Okonkwo-Lindqvist",
        "Ada O. Lindqvist",
        "@adaok",
        "Evening over Lagos",
    ]
    for body in bodies:
        assert set(body) <= ALLOWED_KEYS
        assert body["modality"] == "text" and body["indice_name"] == "laion_400m"
        assert None not in body.values()
    described = source.describe_outgoing(query)
    assert [json.loads(request.body_summary) for request in described] == bodies
    assert_sent_exactly_the_plan(server.recorded, described)
    assert len(result.hits) == 8
    hit = result.hits[0]
    assert (hit.kind, hit.row_id, hit.score, hit.matched) == ("clip", "17", 0.31, "Ada Okonkwo-Lindqvist")


def test_the_only_index_is_used_when_none_is_configured(server: RecordingServer, client: HttpClient) -> None:
    _serve(server, ["laion_400m"])
    source = ClipRetrievalSource(SourceConfig(url=server.url_for("/")))
    query = SourceQuery(titles=("Tide",))
    result = source.search(query, client)
    assert result.status == "ok"
    assert [request.path for request in server.recorded] == ["/indices-list", "/knn-service"]
    assert json.loads(server.recorded[1].body)["indice_name"] == "laion_400m"
    assert [request.url.rsplit("/", 1)[1] for request in source.describe_outgoing(query)] == [
        "indices-list",
        "knn-service",
    ]


def test_several_indices_ask_the_user_to_choose(server: RecordingServer, client: HttpClient) -> None:
    _serve(server, ["a", "b"])
    result = ClipRetrievalSource(SourceConfig(url=server.url_for("/"))).search(SourceQuery(titles=("Tide",)), client)
    assert result.status == "unavailable" and "a, b" in result.error
    assert [request.path for request in server.recorded] == ["/indices-list"]


def test_check_lists_the_indices(server: RecordingServer, client: HttpClient) -> None:
    _serve(server, ["laion5B-L-14", "laion_400m"])
    result = ClipRetrievalSource(SourceConfig(url=server.url_for("/"))).check(client)
    assert result.status == "ok" and result.indices == ("laion5B-L-14", "laion_400m")


def test_without_a_url_it_is_not_configured(client: HttpClient) -> None:
    result = ClipRetrievalSource().search(SourceQuery(titles=("Tide",)), client)
    assert result.status == "unavailable" and "url" in result.error
