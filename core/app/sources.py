"""The facade's remote sources: their settings, the "what will be sent" plan, asking them and their records."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from core.app.base import FacadeBase
from core.catalogue.source_runs import SourceRun
from core.errors import UsageError
from core.progress import Progress
from core.settings import AcceptedPreview
from core.sources import OutgoingRequest, SourceQuery, SourceResult
from core.sources.base import url_has_credentials, url_problem
from core.sources.compare import FetchComparison, fetch_and_compare
from core.sources.consent import fingerprint, shape_of
from core.sources.service import SourceStatus, build_query, hits_as_matches, source_hub_datasets, source_run

ConsentState = Literal["accepted", "never accepted", "changed"]


@dataclass(frozen=True)
class SourceConsent:
    """Whether the user accepted what a source sends on every check, and what it would send now.

    `shape`: what every check sends, in words (core.sources.consent); `requests`: the plan for the catalogue
    as it is now (the preview's exact requests); `accepted`: what was accepted, if anything."""

    source_id: str
    fingerprint: str
    shape: tuple[str, ...]
    requests: tuple[OutgoingRequest, ...]
    accepted: AcceptedPreview | None

    @property
    def state(self) -> ConsentState:
        if self.accepted is None:
            return "never accepted"
        return "accepted" if self.accepted.fingerprint == self.fingerprint else "changed"

    def changes(self) -> tuple[list[str], list[str]]:
        """(lines no longer sent, lines sent now that were not accepted) against the accepted shape."""
        before = self.accepted.shape if self.accepted is not None else ()
        return [line for line in before if line not in self.shape], [line for line in self.shape if line not in before]


class SourcesFacade(FacadeBase):
    def sources(self) -> list[SourceStatus]:
        wanted = set(self._wanted_auto_sources())
        return [dataclasses.replace(s, automatic=s.id in wanted) for s in self._remote.statuses()]

    def _wanted_auto_sources(self) -> list[str]:
        return [part.strip() for part in self.settings.check.ask_sources.split(",") if part.strip()]

    def configure_source(self, source_id: str, values: dict[str, str], token: str | None = None) -> SourceStatus:
        """Store a source's settings (settings file) and token (keyring only; never a plain-text file)."""
        self._remote.source(source_id)  # unknown ids are refused before anything is written
        url = values.get("url") or self.settings.sources.get(source_id, {}).get("url", "")
        problem = url_problem(url, source_id) if url else ""
        if problem and (values.get("url") or url_has_credentials(url)):  # a hand-edited one is not saved again
            raise UsageError(f"{source_id}: {problem}")  # never stored, never printed back: it may hold a password
        if token is not None:
            self._secrets.set(source_id, token)
        self.settings = self.settings.with_source(source_id, values)
        self.settings.save(self.paths.settings_file)
        return next(status for status in self._remote.statuses() if status.id == source_id)

    def plan_source_check(self, source_id: str) -> list[OutgoingRequest]:
        return self._remote.source(source_id).describe_check()

    def test_source(self, source_id: str, progress: Progress | None = None) -> SourceResult:
        return self._remote.check(source_id, progress or Progress())

    def resolve_sources(self, selection: str) -> list[str]:
        return self._remote.resolve_ids(selection)

    def source_query(self, work_ids: Sequence[int] | None = None) -> SourceQuery:
        """Exactly what the remote sources get: hex hashes, the public profile, dataset URLs of matches.

        With `work_ids` (a check's works), only those works' hashes and the URLs of their matches and of the
        profile's matches are asked about; otherwise the whole catalogue's."""
        wanted = set(work_ids) if work_ids is not None else None
        works = [w for w in self._works.all() if wanted is None or w.id in wanted]
        urls = [
            m.url
            for m in self._matches.find()
            if m.url and m.status != "rejected" and (wanted is None or m.work_id is None or m.work_id in wanted)
        ]
        descriptors = [info.descriptor for info in self.datasets()]
        return build_query(works, self.profile(), urls, descriptors)

    def plan_sources(self, source_ids: Sequence[str], query: SourceQuery | None = None) -> list[OutgoingRequest]:
        """The "what will be sent" list: every request, host and body, before anything is sent."""
        return self._remote.plan(source_ids, query or self.source_query())

    def query_sources(
        self, source_ids: Sequence[str], progress: Progress | None = None, query: SourceQuery | None = None
    ) -> list[SourceResult]:
        """Ask the chosen sources; their hits are stored as matches (labelled with source and coverage)."""
        query = query or self.source_query()
        plans = {source_id: self._remote.plan([source_id], query) for source_id in source_ids}
        results = self._remote.run(source_ids, query, progress or Progress())
        works = self._works.all()
        for result in results:
            now = self._timestamp()
            self._matches.record(hits_as_matches(result, works), now)
            statuses = [(o.url, o.opted_out, o.opted_in) for o in result.opt_outs]
            self._fetches.record_optouts(statuses, result.source_id, now)
            self._source_runs.record(source_run(result, plans.get(result.source_id, []), now))
        return results

    def source_runs(self) -> list[SourceRun]:
        """Every run of every source (asked, skipped or unavailable), oldest first: evidence of what was asked."""
        return self._source_runs.history()

    def auto_sources(self) -> list[str]:
        """The sources the app asks on every check (settings `[check] ask_sources`): those usable as configured
        whose "what will be sent" the user accepted as it is now (a changed one waits for a new acceptance)."""
        usable = {status.id for status in self._remote.statuses() if not status.problem}
        wanted = [source_id for source_id in self._wanted_auto_sources() if source_id in usable]
        return [source_id for source_id in wanted if self.source_consent(source_id, with_requests=False).state ==
                "accepted"]  # fmt: skip

    def pending_consents(self) -> list[SourceConsent]:
        """Sources set to be asked on every check, usable, whose "what will be sent" was never accepted or changed
        since: the app shows their preview again before they are asked."""
        usable = {status.id for status in self._remote.statuses() if not status.problem}
        consents = [self.source_consent(s) for s in self._wanted_auto_sources() if s in usable]
        return [consent for consent in consents if consent.state != "accepted"]

    def source_consent(self, source_id: str, *, with_requests: bool = True) -> SourceConsent:
        """What `source_id` sends on every check (its shape and fingerprint), the preview for the catalogue as it
        is now (unless `with_requests` is False) and what the user accepted before."""
        source = self._remote.source(source_id)  # unknown ids are refused
        profile = self.profile()
        shape = shape_of(source, profile, source_hub_datasets(info.descriptor for info in self.datasets()))
        requests = tuple(self.plan_sources([source_id])) if with_requests else ()
        accepted = self.settings.accepted_previews.get(source_id)
        return SourceConsent(source_id, fingerprint(source_id, shape), shape, requests, accepted)

    def accept_source_preview(self, source_id: str, accepted_fingerprint: str) -> SourceConsent:
        """Record that the user accepted what `source_id` sends (the preview they saw had `accepted_fingerprint`);
        refused when what it would send has changed since that preview was made."""
        consent = self.source_consent(source_id, with_requests=False)
        if consent.fingerprint != accepted_fingerprint:
            raise UsageError(f"what {source_id} would send changed since the preview was shown: look at it again")
        accepted = AcceptedPreview(consent.fingerprint, self._timestamp(), consent.shape)
        previews = {**self.settings.accepted_previews, source_id: accepted}
        self.settings = dataclasses.replace(self.settings, accepted_previews=previews)
        self.settings.save(self.paths.settings_file)
        return dataclasses.replace(consent, accepted=accepted)

    def set_auto_sources(self, source_ids: Sequence[str]) -> list[str]:
        """Which sources the app asks on every check (the app shows their "what will be sent" first)."""
        for source_id in source_ids:
            self._remote.source(source_id)  # unknown ids are refused
        check = dataclasses.replace(self.settings.check, ask_sources=",".join(source_ids))
        self.settings = dataclasses.replace(self.settings, check=check)
        self.settings.save(self.paths.settings_file)
        return list(source_ids)

    def fetch_match(
        self, match_id: int, *, allow_loopback: bool = False, progress: Progress | None = None
    ) -> FetchComparison:
        """Download one candidate's dataset image through the guarded fetcher, compare, keep as evidence."""
        match = self.get_match(match_id)
        if match is None:
            raise UsageError(f"no match with id {match_id}")
        work = self._works.get(match.work_id) if match.work_id is not None else None
        result = fetch_and_compare(
            match, work, self._http_client(), self.settings.scan, progress or Progress(), allow_loopback=allow_loopback
        )
        self._fetches.record_fetch(result, self._timestamp())
        return result

    def optout_status(self, url: str) -> tuple[bool, bool, str] | None:
        return self._fetches.optout_status(url)
