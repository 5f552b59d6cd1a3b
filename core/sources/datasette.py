"""Any Datasette instance with a table of dataset rows (many groups self-host LAION-style explorers).

Sends the profile's names, aliases and handles as `_search` (needs a full-text-indexed table) and its
domains and upload prefixes as `<url column>__like=%...%`, reading `_shape=objects` pages of `PAGE_SIZE`
rows and following the server's `next` token for at most `MAX_PAGES` pages. Every row is verified locally:
a LIKE over-retrieves, and a table without full-text search silently ignores `_search`. Coverage is "full"
unless a query had more rows than the pages read.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from core.net.errors import MalformedResponse
from core.net.http import HttpClient
from core.net.ratelimit import RateLimit
from core.progress import Progress
from core.sources.base import CallOutcome, Coverage, Hit, PlannedCall, SettingSpec, Source
from core.sources.query import SourceQuery
from core.sources.verify import as_text, contains_term, strip_scheme, url_has_prefix, url_on_domain

PAGE_SIZE = 100
MAX_PAGES = 5


class DatasetteSource(Source):
    id: ClassVar[str] = "datasette"
    name: ClassVar[str] = "Datasette instance"
    homepage: ClassVar[str] = "https://datasette.io"
    coverage: ClassVar[Coverage] = "full"
    rate: ClassVar[RateLimit] = RateLimit(requests=2, per_seconds=1.0, burst=3)
    settings: ClassVar[tuple[SettingSpec, ...]] = (
        SettingSpec("url", "instance base URL", required=True),
        SettingSpec("table", "database/table", required=True),
        SettingSpec("url_column", "column holding image URLs", default="url"),
        SettingSpec("text_column", "column holding captions", default="text"),
        SettingSpec("token", "API token (only for private instances)", secret=True),
    )
    sends: ClassVar[str] = "your names, aliases, handles, domains and upload URL prefixes"

    def plan(self, query: SourceQuery) -> list[PlannedCall]:
        calls = [
            self._call("_search", term, "text", term, f"rows whose text mentions {term}") for term in query.text_terms
        ]
        like = f"{self.setting('url_column')}__like"
        for domain in query.domains:
            calls.append(self._call(like, f"%{domain}%", "url", domain, f"rows with URLs containing {domain}"))
        for prefix in query.url_prefixes:
            needle = strip_scheme(prefix)
            calls.append(self._call(like, f"%{needle}%", "url", prefix, f"rows with URLs containing {needle}"))
        return calls

    def nothing_to_ask(self, query: SourceQuery) -> str:
        return "the profile has no name, alias, handle, domain or upload URL prefix to search for"

    def plan_check(self) -> list[PlannedCall]:
        return [self._call("_size", "1", "", "", "read one row of the table")]

    def invalid_settings(self) -> str:
        database, _, table = self.setting("table").partition("/")
        if not database or not table or "/" in table:
            return f"invalid table setting {self.setting('table')!r}: it must be DATABASE/TABLE"
        return ""

    def _table_url(self) -> str:
        database, _, table = self.setting("table").partition("/")
        return self.endpoint(quote(database, safe=""), quote(table, safe="") + ".json")

    def _call(self, key: str, value: str, kind: str, term: str, purpose: str) -> PlannedCall:
        params = [(key, value), ("_shape", "objects")]
        if key != "_size":
            params.append(("_size", str(PAGE_SIZE)))
        headers: tuple[tuple[str, str], ...] = ()
        credential = ""
        if self.setting("token"):
            headers = (("Authorization", f"Bearer {self.setting('token')}"),)
            credential = "Authorization: Bearer <your token>"
        return PlannedCall(
            "GET",
            self._table_url(),
            purpose,
            params=tuple(params),
            headers=headers,
            credential=credential,
            max_pages=MAX_PAGES if kind else 1,
            kind=kind,
            term=term,
            dataset=self.setting("table"),
        )

    def run_call(self, call: PlannedCall, client: HttpClient, progress: Progress, refresh: bool) -> CallOutcome:
        outcome = CallOutcome(requests=0)
        next_token = ""
        for _page in range(call.max_pages):
            extra = {"_next": next_token} if next_token else {}
            payload = self.send(call, client, progress, refresh, **extra)
            rows, primary_keys, next_token = _parse_page(payload)
            outcome.requests += 1
            outcome.hits += [hit for row in rows if (hit := self._hit(call, row, primary_keys)) is not None]
            if not next_token or not call.kind:
                return outcome
        outcome.partial = True
        outcome.notes.append(f"{call.purpose}: more than {call.max_pages * PAGE_SIZE} rows, only those were read")
        return outcome

    def _hit(self, call: PlannedCall, row: dict[str, Any], primary_keys: list[str]) -> Hit | None:
        url = as_text(row.get(self.setting("url_column")))
        caption = as_text(row.get(self.setting("text_column")))
        if call.kind == "url":
            ok = url_has_prefix(url, call.term) if "/" in call.term else url_on_domain(url, call.term)
        elif call.kind == "text":
            ok = contains_term(caption, call.term) or contains_term(url, call.term)
        else:
            return None
        if not ok:
            return None
        keys = primary_keys or ["rowid"]
        return Hit(
            source_id=self.id,
            dataset=call.dataset,
            row_id=",".join(as_text(row.get(key)) for key in keys),
            url=url,
            caption=caption,
            kind="url" if call.kind == "url" else "text",
            matched=call.term,
            coverage="full",
        )


def _parse_page(payload: Any) -> tuple[list[dict[str, Any]], list[str], str]:
    """Rows, primary key columns and the next-page token of a `_shape=objects` table page."""
    if not isinstance(payload, dict) or not isinstance(payload.get("rows"), list):
        raise MalformedResponse("the Datasette answer has no 'rows' list (is this a table URL?)")
    rows = payload["rows"]
    if not all(isinstance(row, dict) for row in rows):
        raise MalformedResponse("the Datasette answer's rows are not objects")
    keys = payload.get("primary_keys")
    primary_keys = [key for key in keys if isinstance(key, str)] if isinstance(keys, list) else []
    token = payload.get("next")
    return rows, primary_keys, as_text(token) if token is not None else ""
