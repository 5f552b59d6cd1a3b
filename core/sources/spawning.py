"""Spawning's opt-out query API: are these dataset URLs already on the Do-Not-Train registry?

Sends only the dataset URLs of candidate and confirmed matches (which came from the datasets themselves),
one per line, `BATCH_MAX` at most per request, with the user's API key. The API wants at least two URLs per
request, so a lone URL is sent twice (nothing else is added). Answers come back in request order.
Coverage is "full" for the URLs asked about: the registry is the authority on its own content.
"""

from __future__ import annotations

from typing import Any, ClassVar

from core.net.errors import MalformedResponse
from core.net.http import HttpClient
from core.net.ratelimit import RateLimit
from core.progress import Progress
from core.sources.base import CallOutcome, Coverage, OptOutStatus, PlannedCall, SettingSpec, Source
from core.sources.query import SourceQuery

DEFAULT_URL = "https://opts-api.spawningaiapi.com/api/v2/query/urls/"
BATCH_MIN = 2
BATCH_MAX = 10_000
CHECK_URLS = ("https://example.com/traintrace-check-1.jpg", "https://example.com/traintrace-check-2.jpg")


class SpawningSource(Source):
    id: ClassVar[str] = "spawning"
    name: ClassVar[str] = "Spawning opt-out registry"
    homepage: ClassVar[str] = "https://spawning.ai"
    coverage: ClassVar[Coverage] = "full"
    rate: ClassVar[RateLimit] = RateLimit(requests=1, per_seconds=1.0, burst=2)
    settings: ClassVar[tuple[SettingSpec, ...]] = (
        SettingSpec("url", "query endpoint", default=DEFAULT_URL),
        SettingSpec("token", "Spawning API key", required=True, secret=True),
    )
    sends: ClassVar[str] = "the dataset URLs of your candidate and confirmed matches, and your Spawning API key"

    def plan(self, query: SourceQuery) -> list[PlannedCall]:
        urls = list(dict.fromkeys(url.strip() for url in query.candidate_urls if url.strip()))
        return [self._call(tuple(urls[i : i + BATCH_MAX])) for i in range(0, len(urls), BATCH_MAX)]

    def nothing_to_ask(self, query: SourceQuery) -> str:
        return "no dataset URL among this check's matches: the registry is asked about matched URLs only"

    def plan_check(self) -> list[PlannedCall]:
        return [self._call(CHECK_URLS, purpose="check the API key with two example.com URLs")]

    def _call(self, batch: tuple[str, ...], purpose: str = "") -> PlannedCall:
        lines = batch if len(batch) >= BATCH_MIN else batch * BATCH_MIN  # the API rejects a single URL
        for url in lines:
            if "\n" in url or "\r" in url:
                raise ValueError("a URL contains a line break")
        body = "\n".join(lines).encode("utf-8")
        shown = ", ".join(batch[:3]) + (f" and {len(batch) - 3} more" if len(batch) > 3 else "")
        return PlannedCall(
            "POST",
            self.setting("url"),
            purpose or f"opt-out status of {len(batch)} URL(s)",
            headers=(("Authorization", f"API {self.setting('token')}"), ("Content-Type", "text/plain")),
            body=body,
            body_summary=f"text/plain, {len(lines)} line(s), one URL per line: {shown}",
            credential="Authorization: API <your key>",
            batch=batch,
        )

    def run_call(self, call: PlannedCall, client: HttpClient, progress: Progress, refresh: bool) -> CallOutcome:
        payload = self.send(call, client, progress, refresh)
        return CallOutcome(opt_outs=_parse(payload, call.batch))


def _parse(payload: Any, asked: tuple[str, ...]) -> list[OptOutStatus]:
    """Pair the answers with the URLs asked, in order (the padding duplicate, if any, is dropped)."""
    entries = payload.get("urls") if isinstance(payload, dict) else None
    if not isinstance(entries, list) or len(entries) < len(asked):
        raise MalformedResponse("the opt-out API's answer does not list every URL asked about")
    statuses = []
    for url, entry in zip(asked, entries, strict=False):
        if not isinstance(entry, dict) or not isinstance(entry.get("optOut"), bool):
            raise MalformedResponse("the opt-out API's answer has an entry without an optOut flag")
        answered = entry.get("url")
        if isinstance(answered, str) and answered.strip() != url:
            raise MalformedResponse("the opt-out API answered for URLs in a different order than asked")
        statuses.append(OptOutStatus(url=url, opted_out=entry["optOut"], opted_in=entry.get("optIn") is True))
    return statuses
