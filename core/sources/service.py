"""Running the remote sources for the app: configuration, the "what will be sent" plan, queries, results.

Builds each source from the settings file (non-secret values) and the secret store (tokens), turns the
catalogue into a `SourceQuery` (hex hashes, the public profile, dataset URLs: never a path or a pixel), and
converts what comes back into matches labelled with the source and its coverage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from core.catalogue.matches import FoundMatch
from core.catalogue.source_runs import SourceRun
from core.catalogue.works import Work
from core.datasets.descriptors import Descriptor
from core.errors import UsageError
from core.matching.profile_rules import usable
from core.net.http import HttpClient
from core.profile import Profile
from core.progress import Progress
from core.secrets import SecretStore, SecretStoreError
from core.sources import HubDataset, OutgoingRequest, Source, SourceConfig, SourceQuery, SourceResult, source_ids
from core.sources import create_source as build_source


@dataclass(frozen=True)
class SourceStatus:
    id: str
    name: str
    homepage: str
    coverage: str
    sends: str
    problem: str  # "" when the source can run as configured
    token: str  # where the token comes from: environment, keyring or none
    automatic: bool = False  # asked on every check in the app (settings `[check] ask_sources`)


class RemoteService:
    def __init__(
        self,
        settings: Callable[[], dict[str, dict[str, str]]],
        secrets: SecretStore,
        client: Callable[[], HttpClient],
    ) -> None:
        self._settings = settings
        self._secrets = secrets
        self._client = client

    def source(self, source_id: str) -> Source:
        values = self._settings().get(source_id, {})
        try:
            token = self._secrets.get(source_id)
        except SecretStoreError:
            token = None
        return build_source(source_id, SourceConfig(**values, token=token))

    def statuses(self) -> list[SourceStatus]:
        found = []
        for source_id in source_ids():
            source = self.source(source_id)
            found.append(
                SourceStatus(
                    source.id,
                    source.name,
                    source.homepage,
                    source.coverage,
                    source.sends,
                    source.settings_problem(),
                    self._secrets.where(source_id),
                )  # fmt: skip
            )
        return found

    def resolve_ids(self, selection: str) -> list[str]:
        """`all` (every source that is configured), `none`, or a comma-separated list of ids."""
        if selection in ("", "none"):
            return []
        if selection == "all":
            return [status.id for status in self.statuses() if not status.problem]
        chosen = [part.strip() for part in selection.split(",") if part.strip()]
        for source_id in chosen:
            problem = self.source(source_id).settings_problem()  # also rejects unknown ids
            if problem:
                raise UsageError(f"source {source_id}: {problem} (`traintrace sources configure {source_id} ...`)")
        return chosen

    def plan(self, source_ids_: Sequence[str], query: SourceQuery) -> list[OutgoingRequest]:
        return [request for source_id in source_ids_ for request in self.source(source_id).describe_outgoing(query)]

    def run(self, source_ids_: Sequence[str], query: SourceQuery, progress: Progress) -> list[SourceResult]:
        results = []
        for source_id in source_ids_:
            with progress.step(1 / max(1, len(source_ids_)), f"Asking {source_id}") as step:
                results.append(self.source(source_id).search(query, self._client(), step))
        return results

    def check(self, source_id: str, progress: Progress) -> SourceResult:
        return self.source(source_id).check(self._client(), progress)


def build_query(
    works: Iterable[Work], profile: Profile, candidate_urls: Iterable[str], datasets: Iterable[Descriptor]
) -> SourceQuery:
    ok = [work for work in works if work.ok and work.phash is not None and work.sha256]
    urls = tuple(dict.fromkeys(url for url in candidate_urls if url.startswith(("http://", "https://"))))
    return SourceQuery(
        phashes=tuple(dict.fromkeys(f"{work.phash:016x}" for work in ok)),
        sha256s=tuple(dict.fromkeys(str(work.sha256) for work in ok)),
        profile=usable(profile),  # entries matching refuses (stop words, shared hosts) are not asked about either
        candidate_urls=tuple(url for url in urls if not any(ch.isspace() for ch in url)),
        hub_datasets=source_hub_datasets(datasets),
    )


def source_hub_datasets(datasets: Iterable[Descriptor]) -> tuple[HubDataset, ...]:
    """The added datasets that live on the Hugging Face Hub, as the sources query them."""
    return tuple(_hub_dataset(d) for d in datasets if d.hub is not None)


def _hub_dataset(descriptor: Descriptor) -> HubDataset:
    assert descriptor.hub is not None
    columns = descriptor.columns
    return HubDataset(
        repo=descriptor.hub.repo, phash_column=columns.get("phash"), sha256_column=columns.get("sha256"),
        url_column=columns.get("url"), text_column=columns.get("text"), id_column=columns.get("row_id"),
    )  # fmt: skip


def hits_as_matches(result: SourceResult, works: Iterable[Work]) -> list[FoundMatch]:
    """Hits become matches; a hash hit names the work whose hash it matched."""
    by_hash: dict[str, int] = {}
    for work in works:
        if work.ok and work.phash is not None and work.sha256:
            by_hash[f"{work.phash:016x}"] = work.id
            by_hash[work.sha256] = work.id
    found = []
    for hit in result.hits:
        work_id = by_hash.get(hit.matched) if hit.kind in ("phash", "sha256") else None
        score = hit.score if hit.score is not None else (1.0 if hit.kind == "sha256" else 0.8)
        evidence = f"{hit.kind} match reported by {result.source_id} for {hit.matched!r} ({hit.coverage} coverage)"
        found.append(
            FoundMatch(
                work_id=work_id,
                dataset=hit.dataset,
                row_id=hit.row_id,
                kind=hit.kind,
                distance=hit.distance,
                score=score,
                url=hit.url or None,
                caption=hit.caption or None,
                published_hash=hit.matched if hit.kind in ("phash", "sha256") else None,
                evidence=evidence,
                coverage=hit.coverage,
                source=result.source_id,
            )  # fmt: skip
        )
    return found


def source_run(result: SourceResult, plan: Sequence[OutgoingRequest], asked_at: str) -> SourceRun:
    """The record of one run: what the plan sent (never a credential's value) and how the source answered."""
    sent = "\n".join(f"{r.method} {r.host}: {r.purpose}; {r.body_summary}" for r in plan) or "(nothing sent)"
    return SourceRun(
        source=result.source_id,
        asked_at=asked_at,
        plan=sent,
        status=result.status,
        coverage=result.summary()["coverage"],
        rows=len(result.hits) + len(result.opt_outs),
        requests=result.requests_sent,
        error=result.error,
    )
