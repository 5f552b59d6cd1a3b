"""Hugging Face dataset viewer (datasets-server): exact lookups and full-text search over Hub datasets.

Sends, per dataset: the works' pHash / SHA-256 hex strings in `/filter` WHERE clauses (batched: at most
`MAX_TERMS_PER_FILTER` values and `MAX_WHERE_CHARS` characters per clause), `"url" LIKE '%domain%'` for the
profile's domains and upload prefixes, and the profile's names, aliases and handles to `/search`. Never an
image. The viewer only indexes the first 5 GB of a split, so coverage is "partial" unless a response says
otherwise; each hit carries the `partial` flag of the response it came from.
"""

from __future__ import annotations

from typing import Any, ClassVar

from core.net.errors import MalformedResponse
from core.net.http import HttpClient
from core.net.ratelimit import RateLimit
from core.progress import Progress
from core.sources.base import CallOutcome, Coverage, Hit, HitKind, PlannedCall, SettingSpec, Source
from core.sources.query import HubDataset, SourceQuery
from core.sources.verify import as_text, contains_term, strip_scheme, url_has_prefix, url_on_domain

DEFAULT_URL = "https://datasets-server.huggingface.co"
PAGE_LENGTH = 100  # the API's maximum `length`
MAX_PAGES = 3  # per call: at most 300 rows for one domain or name
MAX_TERMS_PER_FILTER = 40
MAX_WHERE_CHARS = 1800
_KINDS: dict[str, HitKind] = {"phash": "phash", "sha256": "sha256", "url": "url", "text": "text"}


class HfViewerSource(Source):
    id: ClassVar[str] = "huggingface"
    name: ClassVar[str] = "Hugging Face dataset viewer"
    homepage: ClassVar[str] = "https://huggingface.co/docs/dataset-viewer"
    coverage: ClassVar[Coverage] = "partial"
    rate: ClassVar[RateLimit] = RateLimit(requests=5, per_seconds=1.0, burst=5)
    settings: ClassVar[tuple[SettingSpec, ...]] = (
        SettingSpec("url", "API base URL", default=DEFAULT_URL),
        SettingSpec("token", "Hugging Face access token (for gated datasets)", secret=True),
    )
    sends: ClassVar[str] = (
        "the pHash and SHA-256 hex strings of your works, your domains and upload URL prefixes, your names, "
        "aliases and handles; an access token only for gated datasets"
    )

    def plan(self, query: SourceQuery) -> list[PlannedCall]:
        calls: list[PlannedCall] = []
        for dataset in query.hub_datasets:
            if dataset.gated and not self.setting("token"):
                continue  # reported by preflight_problems
            calls += self._hash_calls(dataset, "phash", dataset.phash_column, query.phashes)
            calls += self._hash_calls(dataset, "sha256", dataset.sha256_column, query.sha256s)
            calls += self._url_calls(dataset, query)
            calls += self._text_calls(dataset, query)
        return calls

    def nothing_to_ask(self, query: SourceQuery) -> str:
        if not query.hub_datasets:
            return "no added dataset lives on the Hugging Face Hub"
        return "no hash, domain or name to look up in the added Hub datasets (or they are gated and no token is set)"

    def preflight_problems(self, query: SourceQuery) -> list[str]:
        return [
            f"{dataset.label}: gated dataset skipped, no Hugging Face token configured"
            for dataset in query.hub_datasets
            if dataset.gated and not self.setting("token")
        ]

    def plan_check(self) -> list[PlannedCall]:
        return [
            PlannedCall(
                "GET",
                self.endpoint("is-valid"),
                "check that the dataset viewer answers",
                params=(("dataset", "kakaobrain/coyo-700m"),),
            )
        ]

    def _auth(self, dataset: HubDataset) -> tuple[tuple[tuple[str, str], ...], str]:
        if dataset.gated and self.setting("token"):
            return (("Authorization", f"Bearer {self.setting('token')}"),), "Authorization: Bearer <your token>"
        return (), ""

    def _call(self, dataset: HubDataset, endpoint: str, key: str, value: str, **fields: Any) -> PlannedCall:
        headers, credential = self._auth(dataset)
        params = (
            ("dataset", dataset.repo),
            ("config", dataset.config),
            ("split", dataset.split),
            (key, value),
            ("offset", "0"),
            ("length", str(PAGE_LENGTH)),
        )
        return PlannedCall(
            "GET",
            self.endpoint(endpoint),
            params=params,
            headers=headers,
            credential=credential,
            dataset=dataset.label,
            hub_dataset=dataset,
            **fields,
        )

    def _hash_calls(
        self, dataset: HubDataset, kind: str, column: str | None, values: tuple[str, ...]
    ) -> list[PlannedCall]:
        if column is None or not values:
            return []
        return [
            self._call(
                dataset,
                "filter",
                "where",
                " OR ".join(f"\"{column}\"='{value}'" for value in batch),
                purpose=f"{dataset.label}: look up {len(batch)} {kind} value(s)",
                kind=kind,
                batch=batch,
                max_pages=MAX_PAGES,
            )
            for batch in _batches(values, len(column) + 8)
        ]

    def _url_calls(self, dataset: HubDataset, query: SourceQuery) -> list[PlannedCall]:
        if dataset.url_column is None:
            return []
        patterns = [(domain, domain) for domain in query.domains]
        patterns += [(prefix, strip_scheme(prefix)) for prefix in query.url_prefixes]
        calls = []
        for term, needle in patterns:
            escaped = needle.replace("'", "''")
            calls.append(
                self._call(
                    dataset,
                    "filter",
                    "where",
                    f"\"{dataset.url_column}\" LIKE '%{escaped}%'",
                    purpose=f"{dataset.label}: URLs containing {needle}",
                    kind="url",
                    term=term,
                    max_pages=MAX_PAGES,
                )
            )
        return calls

    def _text_calls(self, dataset: HubDataset, query: SourceQuery) -> list[PlannedCall]:
        if dataset.text_column is None:
            return []
        return [
            self._call(
                dataset,
                "search",
                "query",
                term,
                purpose=f"{dataset.label}: captions mentioning {term}",
                kind="text",
                term=term,
                max_pages=MAX_PAGES,
            )
            for term in query.text_terms
        ]

    # --- running ------------------------------------------------------------------------------------
    def run_call(self, call: PlannedCall, client: HttpClient, progress: Progress, refresh: bool) -> CallOutcome:
        if call.kind == "":
            self.send_raw(call, client, progress, refresh)
            return CallOutcome()
        outcome = CallOutcome(requests=0)
        for page in range(call.max_pages):
            payload = self.send(call, client, progress, refresh, offset=page * PAGE_LENGTH)
            rows, total, partial = _parse_page(payload)
            outcome.requests += 1
            outcome.partial |= partial
            outcome.hits += [hit for row in rows if (hit := self._hit(call, row, partial)) is not None]
            if (page + 1) * PAGE_LENGTH >= total or len(rows) < PAGE_LENGTH:
                return outcome
        outcome.partial = True
        outcome.notes.append(f"{call.purpose}: more than {call.max_pages * PAGE_LENGTH} rows, only those were read")
        return outcome

    def _hit(self, call: PlannedCall, entry: dict[str, Any], partial: bool) -> Hit | None:
        dataset = _dataset_of(call)
        row = entry["row"]
        matched = self._matched_value(call, dataset, row)
        if matched is None:
            return None
        row_id = as_text(row.get(dataset.id_column)) if dataset.id_column else ""
        return Hit(
            source_id=self.id,
            dataset=call.dataset,
            row_id=row_id or f"{dataset.config}/{dataset.split}/{entry.get('row_idx', '')}",
            url=as_text(row.get(dataset.url_column)) if dataset.url_column else "",
            caption=as_text(row.get(dataset.text_column)) if dataset.text_column else "",
            kind=_KINDS[call.kind],
            matched=matched,
            coverage="partial" if partial else "full",
            distance=0 if call.kind in ("phash", "sha256") else None,
        )

    def _matched_value(self, call: PlannedCall, dataset: HubDataset, row: dict[str, Any]) -> str | None:
        """The query value this row really matches, or None (the server over-retrieved)."""
        if call.kind in ("phash", "sha256"):
            column = dataset.phash_column if call.kind == "phash" else dataset.sha256_column
            value = as_text(row.get(column or "")).strip().lower()
            return value if value in call.batch else None
        if call.kind == "url":
            url = as_text(row.get(dataset.url_column or ""))
            ok = url_has_prefix(url, call.term) if "/" in call.term else url_on_domain(url, call.term)
            return call.term if ok else None
        caption = as_text(row.get(dataset.text_column or ""))
        return call.term if contains_term(caption, call.term) else None


def _dataset_of(call: PlannedCall) -> HubDataset:
    if call.hub_dataset is None:
        raise ValueError(f"planned call without a dataset: {call.purpose}")
    return call.hub_dataset


def _batches(values: tuple[str, ...], overhead: int) -> list[tuple[str, ...]]:
    """Split values so that each WHERE clause stays within the term and length limits."""
    batches: list[tuple[str, ...]] = []
    current: list[str] = []
    length = 0
    for value in values:
        cost = len(value) + overhead + len(" OR ")
        if current and (len(current) >= MAX_TERMS_PER_FILTER or length + cost > MAX_WHERE_CHARS):
            batches.append(tuple(current))
            current, length = [], 0
        current.append(value)
        length += cost
    if current:
        batches.append(tuple(current))
    return batches


def _parse_page(payload: Any) -> tuple[list[dict[str, Any]], int, bool]:
    """Rows, total row count and the `partial` flag of a /filter or /search answer (FACTS.md §4)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("rows"), list):
        raise MalformedResponse("the dataset viewer's answer has no 'rows' list")
    rows = [entry for entry in payload["rows"] if isinstance(entry, dict) and isinstance(entry.get("row"), dict)]
    if len(rows) != len(payload["rows"]):
        raise MalformedResponse("the dataset viewer's answer has rows of an unexpected shape")
    total = payload.get("num_rows_total")
    if not isinstance(total, int):
        total = len(rows)
    return rows, total, bool(payload.get("partial", False))
