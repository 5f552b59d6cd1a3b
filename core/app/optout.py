"""The facade's outputs: the artist's site files and its check, tagged copies, letters and routes, the opt-out pack
and the evidence report, each recorded so that a later run never overwrites what the artist edited."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.catalogue.generated import GeneratedRecord
from core.errors import UsageError
from core.files import check_output_file, write_atomically
from core.keep_edits import Outcome, place_file
from core.matching.urls import UrlMatcher
from core.optout.pack import PackReport, count_files, pack_readme
from core.paths import PRIVATE_FILE_MODE
from core.progress import Progress

if TYPE_CHECKING:  # the opt-out, letters and evidence features are imported by the methods that use them
    from core.evidence import EvidenceManifest, SigningKey
    from core.letters import GeneratedFile as LetterFile
    from core.letters.routes import Route
    from core.optout.c2pa_sign import SigningCredentials
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
        from core.letters import render_letters, user_templates_dir

        datasets = {info.descriptor.id: info.descriptor for info in self.datasets()}
        files = render_letters(out_dir, self.profile(), self.matches("confirmed"), datasets, self._clock(),
                               user_templates_dir(self.paths.data_dir), self._recorded_hashes)  # fmt: skip
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
            works = sorted({Path(m.work_path) for m in confirmed if m.work_path and Path(m.work_path).is_file()})
            if works:
                self.tag_copies(works, out_dir / "tagged-copies", PACK_DATA_MINING)
        readme = place_file(
            out_dir / "README.txt", pack_readme(len(confirmed)).encode(), recorded=self._recorded_hashes
        )
        if readme.outcome is not Outcome.UNCHANGED:
            self._record_generated("pack-readme", [(readme.path, readme.sha256)])
        return count_files(out_dir, len(confirmed))

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
