"""A local stand-in for the dataset viewer: serves the documented /filter and /search answer shapes
(FACTS.md §4) over an in-memory table, evaluating the small WHERE subset the source sends."""

from __future__ import annotations

import json
import re
from typing import Any

from werkzeug import Request, Response

from tests.net.servers import RecordingServer

_EQUALS = re.compile(r"\"([^\"]+)\"='([^']*)'")
_LIKE = re.compile(r"\"([^\"]+)\" LIKE '%(.*)%'$")


def _matches(where: str, row: dict[str, Any]) -> bool:
    like = _LIKE.match(where)
    if like:
        return like.group(2).replace("''", "'") in str(row.get(like.group(1), ""))
    return any(str(row.get(column)) == value for column, value in _EQUALS.findall(where))


def _page(rows: list[dict[str, Any]], request: Request, partial: bool) -> Response:
    offset = int(request.args.get("offset", "0"))
    length = int(request.args.get("length", "100"))
    assert length <= 100
    selected = rows[offset : offset + length]
    payload = {
        "features": [{"feature_idx": 0, "name": "url", "type": {"dtype": "string", "_type": "Value"}}],
        "rows": [{"row_idx": offset + i, "row": row, "truncated_cells": []} for i, row in enumerate(selected)],
        "num_rows_total": len(rows),
        "num_rows_per_page": 100,
        "partial": partial,
    }
    return Response(json.dumps(payload), content_type="application/json")


def serve_hub(
    server: RecordingServer,
    tables: dict[str, list[dict[str, Any]]],
    *,
    partial: bool = True,
    gated: frozenset[str] = frozenset(),
    token: str = "",
) -> None:
    """Answer /filter and /search for the datasets in `tables`; gated ones need `Bearer <token>`."""

    def check_access(request: Request) -> Response | None:
        dataset = request.args.get("dataset", "")
        if dataset not in tables:
            return Response(
                json.dumps({"error": "Not found."}), status=404, headers={"X-Error-Code": "DatasetNotFoundError"}
            )
        if dataset in gated and request.headers.get("Authorization") != f"Bearer {token}":
            return Response(
                json.dumps({"error": "Gated."}), status=401, headers={"X-Error-Code": "ExternalAuthenticatedError"}
            )
        return None

    def filter_rows(request: Request) -> Response:
        denied = check_access(request)
        if denied is not None:
            return denied
        rows = [row for row in tables[request.args["dataset"]] if _matches(request.args["where"], row)]
        return _page(rows, request, partial)

    def search_rows(request: Request) -> Response:
        denied = check_access(request)
        if denied is not None:
            return denied
        words = [word.lower() for word in re.findall(r"\w+", request.args["query"])]
        rows = [
            row
            for row in tables[request.args["dataset"]]
            if any(word in str(row.get("text", "")).lower() for word in words)
        ]  # BM25-like: any word
        return _page(rows, request, partial)

    server.expect_request("/filter").respond_with_handler(filter_rows)
    server.expect_request("/search").respond_with_handler(search_rows)
    server.expect_request("/is-valid").respond_with_json(
        {"viewer": True, "preview": True, "search": True, "filter": True, "statistics": True}
    )
