"""The flow test's world: a dataset with one planted URL of the artist's, and Spawning on a recording server."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from werkzeug import Request, Response

from tests.net.servers import RecordingServer

SPAWNING_PATH = "/api/v2/query/urls/"
DOMAIN = "okonkwo-lindqvist.art"
PLANTED_URL = f"https://{DOMAIN}/gallery/harbour-at-dusk.jpg"
DATASET_MAPPINGS = {"row_id": "id", "url": "url", "text": "caption"}


def planted_dataset(path: Path) -> Path:
    """Three rows; only row 2 is the artist's (by the profile's domain); a look-alike host must not match."""
    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "url": ["https://cdn.example.com/a.jpg", PLANTED_URL, f"https://{DOMAIN}.fake.net/b.jpg"],
            "caption": ["a boat", "harbour at dusk", "a look-alike"],
        }
    )
    pq.write_table(table, path)
    return path


def answer_opted_out(request: Request) -> Response:
    """Spawning's documented answer: one entry per line, in order; the planted URL is opted out."""
    lines = request.get_data().decode("utf-8").split("\n")
    urls = [{"url": line, "optOut": line == PLANTED_URL, "optIn": False} for line in lines]
    return Response(json.dumps({"urls": urls}), content_type="application/json")


def serve_spawning(server: RecordingServer) -> str:
    server.expect_request(SPAWNING_PATH, method="POST").respond_with_handler(answer_opted_out)
    return server.url_for(SPAWNING_PATH)
