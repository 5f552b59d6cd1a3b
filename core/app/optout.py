"""The facade's outputs: the artist's site files and its check, tagged copies, letters and routes, the opt-out pack
and the evidence report, each recorded so that a later run never overwrites what the artist edited."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.catalogue.generated import GeneratedRecord
from core.errors import UsageError
from core.files import check_output_file, write_atomically
from core.keep_edits import Outcome, RecordedHashes, place_file
from core.matching.urls import UrlMatcher
from core.optout.pack import PackReport, count_files, pack_readme
from core.paths import PRIVATE_FILE_MODE
from core.progress import Progress

if TYPE_CHECKING:  # the opt-out, letters and evidence features are imported by the methods that use them
    from core.evidence import EvidenceManifest, SigningKey
    from core.letters import GeneratedFile as LetterFile
    from core.letters.routes import Route
    from core.optout.c2pa_sign import SigningCredentials
    from core.optout.rights_readback import RightsMetadata
    from core.optout.site_check import SiteReport
    from core.optout.site_files import GeneratedFile
    from core.optout.tagging import HeifMethod, TagResult

from core.app.base import FacadeBase

MAX_CHECKED = 5  # image URLs the site checker fetches
PACK_DATA_MINING = "DMI-PROHIBITED-AIMLTRAINING"  # the IPTC code the pack's tagged copies carry


class OptOutFacade(FacadeBase):
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
        progress: Progress | None = None,
    ) -> SiteReport:
        """Which opt-out signals the artist's site really serves, for its pages and for images of theirs.

        Images: `images` (addresses the user names) and a few from the matches on the artist's own URLs; those
        on other hosts, and redirects to other sites, are checked only with `include_other_hosts`. Every request
        goes through the network guard; `allow_loopback` is for tests against local servers. Cancelling
        `progress` stops the check (`Cancelled`)."""
        from core.optout.site_check import check_site

        matcher = UrlMatcher(self.profile())
        found = [m.url for m in self._matches.find() if m.url and m.kind == "url" and matcher.match(m.url)]
        image_urls = list(dict.fromkeys([*images, *list(dict.fromkeys(found))[:MAX_CHECKED]]))
        return check_site(
            base_url, self._http_client(), image_urls=image_urls, include_other_hosts=include_other_hosts,
            allow_loopback=allow_loopback, cancel=progress,
        )  # fmt: skip

    def tag_copies(
        self,
        paths: Sequence[Path],
        out_dir: Path,
        data_mining: str,
        c2pa: SigningCredentials | None = None,
        *,
        other_constraints: str = "",
        heif: HeifMethod | None = None,
    ) -> list[TagResult]:
        """Copies of the works with IPTC "no AI training" XMP (and optionally C2PA); originals untouched.

        Each result says how its copy was tagged (exiv2 in place, exiftool in place, XMP sidecar, PNG copy of a
        GIF or BMP, re-encoded); `heif` chooses the way for HEIC and AVIF (default: exiftool if installed, else
        a sidecar). Copies and sidecars are recorded with their SHA-256."""
        from core.optout.tagging import HeifMethod, tag_copies

        results = tag_copies(
            list(paths), out_dir, self.profile(), data_mining=data_mining, other_constraints=other_constraints,
            heif=heif or HeifMethod.AUTO, c2pa_credentials=c2pa,
        )  # fmt: skip
        written = [(r.output, r.sha256) for r in results if r.output is not None]
        written += [(r.sidecar, r.sidecar_sha256) for r in results if r.sidecar is not None]
        self._record_generated("tagged-copy", written)
        return results

    def write_letters(self, out_dir: Path) -> list[LetterFile]:
        """Letters and lists from the confirmed matches (user templates in `<data dir>/templates/` win).

        A letter the artist edited is never overwritten: the new version goes beside it as `NAME.new`."""
        files = self._render_letters(out_dir, self._recorded_hashes)
        self._record_generated("letter", [(f.path, f.sha256) for f in files if f.outcome is not Outcome.UNCHANGED])
        return files

    def write_optout_pack(self, out_dir: Path, progress: Progress | None = None) -> PackReport:
        """The opt-out pack, in one place for every front end: website files, letters and lists, and tagged
        copies of the works with confirmed matches (IPTC "no AI training"), each in its folder of `out_dir`, and a
        README.txt saying what is there (and, with no confirmed match, that no request to a dataset was written)."""
        progress = progress or Progress()
        confirmed = self.matches("confirmed")
        with progress.step(0.2, "Website files"):
            self.optout_site_files(out_dir / "website")
        with progress.step(0.2, "Letters and lists"):
            self.write_letters(out_dir / "letters")
        with progress.step(0.6, "Tagged copies"):
            works = self._pack_works()
            if works:
                self.tag_copies(works, out_dir / "tagged-copies", PACK_DATA_MINING)
        readme = place_file(
            out_dir / "README.txt", pack_readme(len(confirmed)).encode(), recorded=self._recorded_hashes
        )
        if readme.outcome is not Outcome.UNCHANGED:
            self._record_generated("pack-readme", [(readme.path, readme.sha256)])
        return count_files(out_dir, len(confirmed))

    def preview_optout_pack(self, out_dir: Path) -> PackPreview:
        """What `write_optout_pack(out_dir)` would write, without writing anything there: each file with its text
        and what would happen to it (new, updated, unchanged, merged into your robots.txt, or written beside a
        file of yours as NAME.new), and each work that would get a tagged copy."""
        import shutil
        import tempfile

        from core.optout.crawlers import load_crawler_list
        from core.optout.site_files import generate_site_files

        notes: list[str] = []
        files: list[PlannedFile] = []
        with tempfile.TemporaryDirectory(prefix="traintrace-pack-preview-") as temp:
            stage = Path(temp)
            for part in ("website", "letters"):  # the artist's files there decide merges and NAME.new
                _copy_small_files(Path(out_dir) / part, stage / part, shutil.copyfile)

            def recorded(path: Path) -> set[str]:
                return self._recorded_hashes(Path(out_dir) / Path(path).relative_to(stage))

            site = generate_site_files(stage / "website", self.profile(), tdm_policy_url=None,
                                       crawlers=load_crawler_list(), recorded=recorded)  # fmt: skip
            for generated in site:
                relative = f"website/{generated.written_as or generated.relative_path}"
                files.append(_planned("website", relative, generated.outcome, stage / relative, generated.notes))
            try:
                letters = self._render_letters(stage / "letters", recorded)
            except UsageError as exc:
                notes.append(f"No letters: {exc}")
            else:
                for letter in letters:
                    relative = letter.path.relative_to(stage).as_posix()
                    files.append(_planned("letters", relative, letter.outcome, letter.path))
            confirmed = len(self.matches("confirmed"))
            if (Path(out_dir) / "README.txt").is_file():
                shutil.copyfile(Path(out_dir) / "README.txt", stage / "README.txt")
            readme = place_file(stage / "README.txt", pack_readme(confirmed).encode(), recorded=recorded)
            about = _planned("pack", readme.path.relative_to(stage).as_posix(), readme.outcome, readme.path)
            notes += PackReport(Path(out_dir), confirmed, ()).notes
        works = self._pack_works()
        files += [PlannedFile("tagged copies", f"tagged-copies/{work.name}", "new tagged copy", "",
                              str(work)) for work in works]  # fmt: skip
        if not works:
            notes.append("No tagged copies: no confirmed match has a work on this computer.")
        files.append(about)
        return PackPreview(Path(out_dir), tuple(files), tuple(notes))

    def _render_letters(self, out_dir: Path, recorded: RecordedHashes) -> list[LetterFile]:
        from core.letters import render_letters, user_templates_dir

        datasets = {info.descriptor.id: info.descriptor for info in self.datasets()}
        return render_letters(out_dir, self.profile(), self.matches("confirmed"), datasets, self._clock(),
                              user_templates_dir(self.paths.data_dir), recorded)  # fmt: skip

    def _pack_works(self) -> list[Path]:
        confirmed = {m.work_path for m in self.matches("confirmed") if m.work_path}
        return sorted(Path(path) for path in confirmed if Path(path).is_file())

    def rights_metadata(self, path: Path) -> RightsMetadata:
        """The rights metadata a file carries (IPTC Data Mining, creator, copyright notice, C2PA), read back from
        its bytes: for the before/after view of tagging."""
        from core.optout.rights_readback import read_rights

        return read_rights(path)

    def match_routes(self, match_id: int) -> list[Route]:
        """The opt-out routes that apply to one match, each with the text it would generate and whether the pack
        wrote that file before (see core.letters.routes); none while the profile is empty."""
        return self.routes_for(match_id)

    def routes_for(self, *match_ids: int) -> list[Route]:
        """The routes for several matches at once: each letter covers every one of them (one LAION request listing
        every SAMPLE_ID, one Spawning list with every URL, ...); none while the profile is empty."""
        from core.letters import user_templates_dir
        from core.letters.routes import routes_for_matches

        if not match_ids:
            raise UsageError("no match given")
        matches = []
        for match_id in dict.fromkeys(match_ids):
            match = self.get_match(match_id)
            if match is None:
                raise UsageError(f"no match with id {match_id}")
            matches.append(match)
        profile = self.profile()
        if profile.is_empty:
            return []  # every letter needs the artist's name at least
        datasets = {info.descriptor.id: info.descriptor for info in self.datasets()}
        names = {Path(record.path).name for record in self._generated.history() if record.kind == "letter"}
        templates = user_templates_dir(self.paths.data_dir)
        return routes_for_matches(matches, profile, datasets, self._clock(), names, templates)

    def save_route(self, match_id: int | Sequence[int], stem: str, path: Path) -> Path:
        """Write one route's text for one match (or several, as `routes_for`) to `path` (recorded like the pack's
        letters)."""
        ids = [match_id] if isinstance(match_id, int) else list(match_id)
        route = next((r for r in self.routes_for(*ids) if r.stem == stem), None)
        if route is None:
            raise UsageError(f"no route {stem!r} for match {', '.join(map(str, ids))}")
        data = route.text.encode("utf-8")
        write_atomically(path, data, PRIVATE_FILE_MODE)
        self._record_generated("letter", [(path, hashlib.sha256(data).hexdigest())])
        return path

    def write_evidence_report(
        self,
        pdf: Path,
        sources: Sequence[Mapping[str, object]] = (),
        progress: Progress | None = None,
        signing: SigningKey | None = None,
    ) -> EvidenceManifest:
        """The evidence PDF of the confirmed matches, with its JSON manifest (the SHA-256 of every input and each
        match's recipe) embedded and written beside it; signed (PAdES) with `signing`, if given.

        Dataset files imported by an older version, which recorded no SHA-256, are hashed first (when they are
        still as they were imported)."""
        from core.evidence import ReportSigner, build_evidence_pdf, gather_evidence
        from core.evidence.inputs import run_record
        from core.evidence.manifest import manifest_path_for

        check_output_file(pdf)
        check_output_file(manifest_path_for(pdf))
        progress = progress or Progress()
        signer = ReportSigner(signing) if signing is not None else None  # a wrong key fails before any work
        with progress.step(0.3, "Dataset files"):
            for dataset_id in self._datasets.ids():
                self._datasets.complete_provenance(dataset_id, progress)
        asked = sources or [run_record(run) for run in self._source_runs.history()]
        with progress.step(0.7, "Evidence report") as building:
            manifest = build_evidence_pdf(gather_evidence(self, self._clock(), asked), pdf, building, signer)
        written = [(manifest.pdf_path, manifest.pdf_sha256), (manifest.manifest_path, manifest.manifest_sha256)]
        self._record_generated("evidence-report", written)
        return manifest

    def _recorded_hashes(self, path: Path) -> set[str]:
        """What TrainTrace wrote at `path` before (recorded as given by older versions, absolute since)."""
        return self._generated.hashes_for(str(path), str(Path(path).absolute()))

    def _record_generated(self, kind: str, files: Sequence[tuple[Path, str]]) -> None:
        self._generated.record(kind, ((str(Path(path).absolute()), sha) for path, sha in files), self._timestamp())

    def generated_history(self) -> list[GeneratedRecord]:
        return self._generated.history()


@dataclass(frozen=True)
class PlannedFile:
    """One file the opt-out pack would write: `relative` to the pack's folder, what would happen there, its text
    (for the website files and letters) and, for a tagged copy, the original it is made from."""

    part: str  # "website", "letters", "tagged copies", "pack" (its README.txt)
    relative: str
    outcome: str
    text: str
    source: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackPreview:
    out_dir: Path
    files: tuple[PlannedFile, ...]
    notes: tuple[str, ...] = ()  # what the pack will not hold, and why


MAX_STAGED_FILE = 2_000_000  # the artist's files bigger than this are not ours to merge with; not copied


def _copy_small_files(source: Path, target: Path, copy: Callable[[Path, Path], object]) -> None:
    """Copy the regular files under `source` (links and big files left out) to the same places under `target`."""
    if not source.is_dir() or source.is_symlink():
        return
    for path in source.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_STAGED_FILE:
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        copy(path, destination)


def _planned(part: str, relative: str, outcome: Outcome, staged: Path, notes: tuple[str, ...] = ()) -> PlannedFile:
    try:
        text = staged.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    words = {
        Outcome.CREATED: "new",
        Outcome.UNCHANGED: "already up to date (not written again)",
        Outcome.BESIDE: "yours is kept; ours goes beside it",
    }.get(outcome, outcome.value)
    return PlannedFile(part, relative, words, text, notes=notes)


def _sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
