"""The facade: the one entry point the CLI and the GUI call.

Plain methods that take a `Progress` (default: a silent one) and return immutable dataclasses. The object is
built by a composition root (`core.cli.main`, `gui.app`) from its dependencies; nothing here is global.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.batch.hashlist import HashList, check_owner, public_profile, read_hash_lists, write_hash_list
from core.batch.runner import DEFAULT_ROWS_PER_TASK, BatchEvents, BatchJob, BatchReport, ClusterSpec, run_batch
from core.batch.service import BatchImport, batch_descriptor, hub_lister, import_batch
from core.catalogue.db import open_database
from core.catalogue.generated import GeneratedRecord, GeneratedRepository
from core.catalogue.matches import FetchRepository, Match, MatchRepository
from core.catalogue.profiles import ProfileRepository
from core.catalogue.source_runs import SourceRun, SourceRunRepository
from core.catalogue.works import Work, WorkRepository
from core.datasets.manager import DatasetInfo, DatasetManager
from core.datasets.planning import DatasetPlan
from core.errors import UsageError
from core.files import check_output_file, write_atomically
from core.keep_edits import Outcome
from core.matching.importer import ImportReport
from core.matching.service import MatchService, MatchSummary, work_queries
from core.matching.urls import UrlMatcher
from core.net.http import HttpClient
from core.paths import PRIVATE_FILE_MODE, AppPaths, make_tree_private
from core.profile import Profile
from core.progress import Progress
from core.scanning.scanner import Scanner, ScanSummary
from core.secrets import SecretStore
from core.settings import Settings
from core.sources import OutgoingRequest, SourceQuery, SourceResult
from core.sources.base import url_has_credentials, url_problem
from core.sources.compare import FetchComparison, fetch_and_compare
from core.sources.service import RemoteService, SourceStatus, build_query, hits_as_matches, source_run
from core.workflows import CheckResult, DemoResult, run_check, run_demo

if TYPE_CHECKING:  # the opt-out, letters and evidence features are imported by the methods that use them
    from core.evidence import EvidenceManifest
    from core.letters import GeneratedFile as LetterFile
    from core.letters.routes import Route
    from core.optout.c2pa_sign import SigningCredentials
    from core.optout.site_check import SiteReport
    from core.optout.site_files import GeneratedFile
    from core.optout.tagging import TagResult

HUB_TOKEN_ID = "huggingface"
MAX_CHECKED = 5  # image URLs the site checker fetches
PACK_DATA_MINING = "DMI-PROHIBITED-AIMLTRAINING"  # the IPTC code the pack's tagged copies carry

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class TrainTrace:
    def __init__(
        self,
        paths: AppPaths,
        settings: Settings,
        connection: sqlite3.Connection,
        clock: Clock,
        secrets: SecretStore,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self._db = connection
        self._clock = clock
        self._secrets = secrets
        self._http: HttpClient | None = None
        self._works = WorkRepository(connection)
        self._matches = MatchRepository(connection)
        self._profiles = ProfileRepository(connection)
        self._datasets = DatasetManager(
            paths.datasets_dir, self._http_client, self._timestamp, lambda: secrets.get(HUB_TOKEN_ID)
        )
        self._fetches = FetchRepository(connection)
        self._generated = GeneratedRepository(connection)
        self._source_runs = SourceRunRepository(connection)
        self._remote = RemoteService(lambda: self.settings.sources, secrets, self._http_client)

    @classmethod
    def open(cls, paths: AppPaths, clock: Clock = utc_now, secrets: SecretStore | None = None) -> TrainTrace:
        """Create the data folders if needed, load the settings and open (migrating) the catalogue."""
        paths.ensure()
        settings = Settings.load(paths.settings_file)
        return cls(paths, settings, open_database(paths.catalogue_file), clock, secrets or SecretStore())

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
        self._db.close()

    def _http_client(self) -> HttpClient:
        """The app's one HTTP client, created on first use (most sessions never touch the network)."""
        if self._http is None:
            self._http = HttpClient(cache_dir=self.paths.cache_dir / "http")
        return self._http

    def __enter__(self) -> TrainTrace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def scan(self, roots: Sequence[Path], progress: Progress | None = None) -> ScanSummary:
        """Fingerprint every image under `roots` into the catalogue; unchanged files are not read again."""
        if not roots:
            raise UsageError("nothing to scan: give at least one folder or image file")
        missing = [str(root) for root in roots if not Path(root).exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        scanner = Scanner(self._works, self.settings.scan, self._timestamp)
        return scanner.scan([Path(root) for root in roots], progress or Progress())

    def works(self) -> list[Work]:
        return self._works.all()

    def work(self, work_id: int) -> Work | None:
        return self._works.get(work_id)

    def hash_list(self, owner: str | None = None, work_ids: Sequence[int] | None = None) -> HashList:
        """The portable hash list of the readable works (all, or those of `work_ids`) and the public profile:
        hashes, file names and sizes only. `owner` defaults to the profile's name."""
        profile = self.profile()
        wanted = set(work_ids) if work_ids is not None else None
        works = [work for work in self._works.all() if work.ok and (wanted is None or work.id in wanted)]
        label = check_owner(owner if owner is not None else profile.name or "artist")
        return HashList(label, public_profile(profile), tuple(work_queries(self._works, works)))

    def export_hashes(self, path: Path, owner: str | None = None, work_ids: Sequence[int] | None = None) -> HashList:
        """Write the hash list (`hash_list`) to `path` as Parquet (format in README.md) and return it."""
        hash_list = self.hash_list(owner, work_ids)
        write_hash_list(path, hash_list)
        return hash_list

    # --- batch: many portfolios against whole datasets -------------------------------------------------
    def run_batch(
        self,
        hashes: Sequence[Path],
        dataset_id: str,
        out_dir: Path,
        events: BatchEvents,
        *,
        schema: str | None = None,
        sources: Sequence[str] = (),
        mappings: dict[str, str] | None = None,
        cluster: ClusterSpec | None = None,
        max_distance: int | None = None,
        rows_per_task: int = DEFAULT_ROWS_PER_TASK,
        progress: Progress | None = None,
    ) -> BatchReport:
        """Match every hash list against every shard of a dataset on Dask; results and manifest in `out_dir`
        (a stopped batch resumes there). Nothing is written to this catalogue."""
        hash_lists = tuple(read_hash_lists(hashes))
        lister = hub_lister(self._http_client, lambda: self._secrets.get(HUB_TOKEN_ID))
        descriptor = batch_descriptor(dataset_id, schema, sources, mappings or {}, lister)
        distance = self.settings.matching.max_distance if max_distance is None else max_distance
        job = BatchJob(descriptor, hash_lists, distance, out_dir, rows_per_task)
        return run_batch(job, cluster or ClusterSpec(), events, progress)

    def import_batch(self, directory: Path, owner: str) -> BatchImport:
        """Load one owner's batch results as matches (source "batch") to review like local ones."""
        return import_batch(directory, owner, self._works, self._matches, self._timestamp())

    # --- the artist ---------------------------------------------------------------------------------
    def profile(self) -> Profile:
        return self._profiles.load()

    def set_profile(self, profile: Profile) -> Profile:
        """Validate (domains and URL prefixes must be usable for matching) and store the profile."""
        UrlMatcher(profile)  # raises UsageError naming a bad domain or URL prefix
        self._profiles.save(profile)
        return profile

    # --- datasets -----------------------------------------------------------------------------------
    def datasets(self) -> list[DatasetInfo]:
        return [self._datasets.info(dataset_id) for dataset_id in self._datasets.ids()]

    def dataset_info(self, dataset_id: str) -> DatasetInfo:
        return self._datasets.info(dataset_id)

    def add_dataset(
        self,
        dataset_id: str,
        *,
        schema: str | None = None,
        sources: Sequence[str] = (),
        mappings: dict[str, str] | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Add (or resume adding) a dataset: one streaming pass over its shards that matches the catalogue's works
        and the profile in flight, keeps only the hits and writes the compact hash indexes; its matches are
        recorded. A report whose `produced_nothing` is set left no dataset behind."""
        try:
            report, summary = self._match_service().add_dataset(
                dataset_id, schema, sources, mappings or {}, self.profile(), self.settings.matching.max_distance,
                progress or Progress(),
            )  # fmt: skip
        finally:
            make_tree_private(self.paths.datasets_dir)  # index files are written with the umask's mode
        return report if summary is None else dataclasses.replace(report, matches_found=summary.found)

    def plan_dataset(
        self,
        dataset_id: str,
        *,
        schema: str | None = None,
        sources: Sequence[str] = (),
        mappings: dict[str, str] | None = None,
    ) -> DatasetPlan:
        """What adding a dataset (added or not) will read and take on disk, and whether the disk has room."""
        return self._datasets.plan(dataset_id, schema, sources, mappings or {})

    def is_added(self, dataset_id: str) -> bool:
        return dataset_id in self._datasets.ids()

    def remove_dataset(self, dataset_id: str) -> None:
        self._datasets.remove(dataset_id)

    def run_matching(self, max_distance: int | None = None, progress: Progress | None = None) -> MatchSummary:
        """Match every readable work and the profile against every added dataset; matches are stored."""
        distance = self.settings.matching.max_distance if max_distance is None else max_distance
        return self._match_service().run(self.profile(), distance, progress or Progress())

    def _match_service(self) -> MatchService:
        return MatchService(self._works, self._matches, self._datasets, self._timestamp)

    # --- remote sources -----------------------------------------------------------------------------
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

    # --- the main flow ------------------------------------------------------------------------------
    def check(
        self,
        roots: Sequence[Path],
        *,
        source_ids: Sequence[str] = (),
        max_distance: int | None = None,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> CheckResult:
        """Scan, match locally, then ask `source_ids` about this check's fresh matches (core.workflows)."""
        return run_check(
            self, roots, source_ids=source_ids, max_distance=max_distance, dry_run=dry_run, progress=progress
        )

    def demo(self, progress: Progress | None = None) -> DemoResult:
        """The sample artist and datasets, then a check of the sample portfolio (use a demo catalogue)."""
        return run_demo(self, progress)

    def auto_sources(self) -> list[str]:
        """The sources the app asks on every check (settings `[check] ask_sources`), those usable as configured."""
        usable = {status.id for status in self._remote.statuses() if not status.problem}
        return [source_id for source_id in self._wanted_auto_sources() if source_id in usable]

    def set_auto_sources(self, source_ids: Sequence[str]) -> list[str]:
        """Which sources the app asks on every check (the app shows their "what will be sent" first)."""
        for source_id in source_ids:
            self._remote.source(source_id)  # unknown ids are refused
        check = dataclasses.replace(self.settings.check, ask_sources=",".join(source_ids))
        self.settings = dataclasses.replace(self.settings, check=check)
        self.settings.save(self.paths.settings_file)
        return list(source_ids)

    def has_datasets(self) -> bool:
        return bool(self._datasets.ids())

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

    # --- opt-out ------------------------------------------------------------------------------------
    def optout_site_files(
        self, out_dir: Path, tdm_policy_url: str | None = None, *, force: bool = False
    ) -> list[GeneratedFile]:
        """robots.txt, ai.txt, tdmrep.json, server header snippets, meta tags and a README for the artist's site.

        An existing robots.txt is merged; other files the artist has there are kept (ours go beside them as
        `NAME.new`) unless `force`."""
        from core.optout.crawlers import load_crawler_list
        from core.optout.site_files import generate_site_files

        files = generate_site_files(
            out_dir, self.profile(), tdm_policy_url=tdm_policy_url, crawlers=load_crawler_list(),
            recorded=self._recorded_hashes, force=force,
        )  # fmt: skip
        written = [(out_dir / f.written_as, f.sha256) for f in files if f.outcome is not Outcome.UNCHANGED]
        self._record_generated("site-files", written)
        return files

    def check_site(
        self,
        base_url: str,
        *,
        images: Sequence[str] = (),
        include_other_hosts: bool = False,
        allow_loopback: bool = False,
    ) -> SiteReport:
        """Which opt-out signals the artist's site really serves, for its pages and for images of theirs.

        Images: `images` (addresses the user names) and a few from the matches on the artist's own URLs; those
        on other hosts, and redirects to other sites, are checked only with `include_other_hosts`. Every request
        goes through the network guard; `allow_loopback` is for tests against local servers."""
        from core.optout.site_check import check_site

        matcher = UrlMatcher(self.profile())
        found = [m.url for m in self._matches.find() if m.url and m.kind == "url" and matcher.match(m.url)]
        image_urls = list(dict.fromkeys([*images, *list(dict.fromkeys(found))[:MAX_CHECKED]]))
        return check_site(
            base_url, self._http_client(), image_urls=image_urls, include_other_hosts=include_other_hosts,
            allow_loopback=allow_loopback,
        )  # fmt: skip

    def tag_copies(
        self, paths: Sequence[Path], out_dir: Path, data_mining: str, c2pa: SigningCredentials | None = None
    ) -> list[TagResult]:
        """Copies of the works with IPTC "no AI training" XMP (and optionally C2PA); originals untouched."""
        from core.optout.tagging import tag_copies

        results = tag_copies(list(paths), out_dir, self.profile(), data_mining=data_mining, c2pa_credentials=c2pa)
        self._record_generated("tagged-copy", [(r.output, r.sha256) for r in results if r.output is not None])
        return results

    def write_letters(self, out_dir: Path) -> list[LetterFile]:
        """Letters and lists from the confirmed matches (user templates in `<data dir>/templates/` win).

        A letter the artist edited is never overwritten: the new version goes beside it as `NAME.new`."""
        from core.letters import render_letters, user_templates_dir

        datasets = {info.descriptor.id: info.descriptor for info in self.datasets()}
        files = render_letters(out_dir, self.profile(), self.matches("confirmed"), datasets, self._clock(),
                               user_templates_dir(self.paths.data_dir), self._recorded_hashes)  # fmt: skip
        self._record_generated("letter", [(f.path, f.sha256) for f in files if f.outcome is not Outcome.UNCHANGED])
        return files

    def write_optout_pack(self, out_dir: Path, progress: Progress | None = None) -> Path:
        """The opt-out pack, in one place for every front end: website files, letters and lists, and tagged
        copies of the works with confirmed matches (IPTC "no AI training"), each in its folder of `out_dir`."""
        progress = progress or Progress()
        with progress.step(0.2, "Website files"):
            self.optout_site_files(out_dir / "website")
        with progress.step(0.2, "Letters and lists"):
            self.write_letters(out_dir / "letters")
        with progress.step(0.6, "Tagged copies"):
            confirmed = {m.work_path for m in self.matches("confirmed") if m.work_path}
            works = sorted(Path(path) for path in confirmed if Path(path).is_file())
            if works:
                self.tag_copies(works, out_dir / "tagged-copies", PACK_DATA_MINING)
        return out_dir

    def match_routes(self, match_id: int) -> list[Route]:
        """The opt-out routes that apply to one match, each with the text it would generate and whether the pack
        wrote that file before (see core.letters.routes); none while the profile is empty."""
        from core.letters import user_templates_dir
        from core.letters.routes import routes_for

        match = self.get_match(match_id)
        if match is None:
            raise UsageError(f"no match with id {match_id}")
        profile = self.profile()
        if profile.is_empty:
            return []  # every letter needs the artist's name at least
        datasets = {info.descriptor.id: info.descriptor for info in self.datasets()}
        names = {Path(record.path).name for record in self._generated.history() if record.kind == "letter"}
        return routes_for(match, profile, datasets, self._clock(), names, user_templates_dir(self.paths.data_dir))

    def save_route(self, match_id: int, stem: str, path: Path) -> Path:
        """Write one route's text for one match to `path` (recorded like the pack's letters)."""
        route = next((r for r in self.match_routes(match_id) if r.stem == stem), None)
        if route is None:
            raise UsageError(f"no route {stem!r} for match {match_id}")
        data = route.text.encode("utf-8")
        write_atomically(path, data, PRIVATE_FILE_MODE)
        self._record_generated("letter", [(path, hashlib.sha256(data).hexdigest())])
        return path

    def write_evidence_report(
        self, pdf: Path, sources: Sequence[Mapping[str, object]] = (), progress: Progress | None = None
    ) -> EvidenceManifest:
        """The evidence PDF of the confirmed matches and its JSON manifest (SHA-256 of the PDF and every input)."""
        from core.evidence import build_evidence_pdf, gather_evidence
        from core.evidence.inputs import run_record
        from core.evidence.manifest import manifest_path_for

        check_output_file(pdf)
        check_output_file(manifest_path_for(pdf))
        asked = sources or [run_record(run) for run in self._source_runs.history()]
        manifest = build_evidence_pdf(gather_evidence(self, self._clock(), asked), pdf, progress)
        written = [
            (manifest.pdf_path, manifest.pdf_sha256),
            (manifest.manifest_path, _sha256_of(manifest.manifest_path)),
        ]
        self._record_generated("evidence-report", written)
        return manifest

    def _recorded_hashes(self, path: Path) -> set[str]:
        """What TrainTrace wrote at `path` before (recorded as given by older versions, absolute since)."""
        return self._generated.hashes_for(str(path), str(Path(path).absolute()))

    def _record_generated(self, kind: str, files: Sequence[tuple[Path, str]]) -> None:
        self._generated.record(kind, ((str(Path(path).absolute()), sha) for path, sha in files), self._timestamp())

    def generated_history(self) -> list[GeneratedRecord]:
        return self._generated.history()

    # --- review -------------------------------------------------------------------------------------
    def matches(self, status: str | None = None) -> list[Match]:
        return self._matches.find(status)

    def get_match(self, match_id: int) -> Match | None:
        return self._matches.get(match_id)

    def decide(self, match_ids: Sequence[int], status: str, note: str = "") -> list[Match]:
        """Record the user's verdict (confirmed / rejected / back to candidate) with time and note."""
        return self._matches.decide(match_ids, status, note, self._timestamp())

    def _timestamp(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="seconds")


def _sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
