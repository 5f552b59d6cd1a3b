"""A self-hosted clip-retrieval backend (the public knn.laion.ai is gone): text queries only.

Sends the profile's names, aliases and handles and the work titles the user typed, as `text` queries to
`/knn-service`. Never `image` nor `image_url` (both would send the artwork), and never the aesthetic fields
(a null there crashes the server; we simply omit them). kNN search returns what is *similar*, never
everything that matches, so coverage is always "partial" and hits carry the similarity score.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, ClassVar

from core.net.errors import MalformedResponse
from core.net.http import HttpClient
from core.net.ratelimit import RateLimit
from core.progress import Progress
from core.sources.base import (
    CallOutcome,
    Coverage,
    Hit,
    OutgoingRequest,
    PlannedCall,
    SettingSpec,
    Source,
    SourceResult,
)
from core.sources.query import SourceQuery
from core.sources.verify import as_text

NUM_IMAGES = 40
_ONLY_INDEX = "<the server's only index>"


class ClipRetrievalSource(Source):
    id: ClassVar[str] = "clip-retrieval"
    name: ClassVar[str] = "clip-retrieval backend"
    homepage: ClassVar[str] = "https://github.com/rom1504/clip-retrieval"
    coverage: ClassVar[Coverage] = "partial"
    rate: ClassVar[RateLimit] = RateLimit(requests=2, per_seconds=1.0, burst=2)
    settings: ClassVar[tuple[SettingSpec, ...]] = (
        SettingSpec("url", "backend base URL", required=True),
        SettingSpec("index", "index name (from /indices-list)"),
    )
    sends: ClassVar[str] = "your names, aliases and handles and the work titles you entered, as text queries"

    def plan(self, query: SourceQuery) -> list[PlannedCall]:
        terms = (*query.text_terms, *dict.fromkeys(title.strip() for title in query.titles if title.strip()))
        index = self.setting("index") or _ONLY_INDEX
        return [self._knn_call(term, index) for term in dict.fromkeys(terms)]

    def nothing_to_ask(self, query: SourceQuery) -> str:
        return "the profile has no name, alias or handle, and no title to search for (text queries only)"

    def plan_check(self) -> list[PlannedCall]:
        return [self._indices_call()]

    def describe_outgoing(self, query: SourceQuery) -> list[OutgoingRequest]:
        planned = super().describe_outgoing(query)
        if planned and not self.setting("index"):
            return [self._indices_call().describe(self.id), *planned]
        return planned

    def search(
        self, query: SourceQuery, client: HttpClient, progress: Progress | None = None, *, refresh: bool = False
    ) -> SourceResult:
        """Without a configured index, use the server's only one; with several, ask the user to choose."""
        if self.setting("index") or self.settings_problem() or not self.plan(query):
            return super().search(query, client, progress, refresh=refresh)
        listing = self.check(client, progress)
        if listing.status != "ok":
            return listing
        if len(listing.indices) != 1:
            offered = ", ".join(listing.indices) or "none"
            return self._unavailable(f"choose an index (this server offers: {offered})")
        chosen = type(self)(replace(self.config, index=listing.indices[0]))
        result = chosen.search(query, client, progress, refresh=refresh)
        return replace(result, requests_sent=result.requests_sent + listing.requests_sent)

    def _indices_call(self) -> PlannedCall:
        return PlannedCall("GET", self.endpoint("indices-list"), "list the backend's indices", kind="indices")

    def _knn_call(self, term: str, index: str) -> PlannedCall:
        body = {
            "text": term,
            "modality": "text",
            "num_images": NUM_IMAGES,
            "num_result_ids": NUM_IMAGES,
            "indice_name": index,
            "deduplicate": True,
            "use_safety_model": True,
            "use_violence_detector": True,
            "use_mclip": False,
        }
        encoded = json.dumps(body, ensure_ascii=False)
        return PlannedCall(
            "POST",
            self.endpoint("knn-service"),
            f"images whose captions are close to {term!r}",
            headers=(("Content-Type", "application/json"),),
            body=encoded.encode("utf-8"),
            body_summary=encoded,
            kind="clip",
            term=term,
            dataset=index,
        )

    def run_call(self, call: PlannedCall, client: HttpClient, progress: Progress, refresh: bool) -> CallOutcome:
        payload = self.send(call, client, progress, refresh)
        if call.kind == "indices":
            if not isinstance(payload, list) or not all(isinstance(name, str) for name in payload):
                raise MalformedResponse("/indices-list did not answer with a list of names")
            return CallOutcome(indices=tuple(payload))
        if not isinstance(payload, list):
            raise MalformedResponse("/knn-service did not answer with a list of results")
        return CallOutcome(hits=[hit for item in payload if (hit := self._hit(call, item)) is not None])

    def _hit(self, call: PlannedCall, item: Any) -> Hit | None:
        if not isinstance(item, dict) or not item.get("url"):
            return None
        similarity = item.get("similarity")
        return Hit(
            source_id=self.id,
            dataset=call.dataset,
            row_id=as_text(item.get("id")),
            url=as_text(item.get("url")),
            caption=as_text(item.get("caption")),
            kind="clip",
            matched=call.term,
            coverage="partial",
            score=float(similarity) if isinstance(similarity, int | float) else None,
        )
