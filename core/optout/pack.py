"""What an opt-out pack holds, said in its own README.txt and in the report the front ends print.

With no confirmed match the pack still has a use (the site files and the Art. 4(3) reservation need none), but it
says plainly that no request to a dataset was written, instead of leaving the artist to wonder why the letters
folder is nearly empty."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FOLDERS = (
    ("website", "files for your own site: robots.txt, ai.txt, tdmrep.json, headers, meta tags (see its README.md)"),
    ("letters", "the reservation notice, and letters and lists for the datasets and hosts of your confirmed matches"),
    ("tagged-copies", 'copies of the works with confirmed matches, tagged "no AI training" (originals untouched)'),
)  # fmt: skip
NO_CONFIRMED = (
    "No confirmed match yet: the letters folder holds only the reservation notice. Requests to datasets, the "
    "Spawning list, notices to hosts and tagged copies are written once you confirm matches in the review "
    "(Confirm in the app, or `traintrace matches confirm ID`)."
)


@dataclass(frozen=True)
class PackReport:
    out_dir: Path
    confirmed_matches: int
    files: tuple[tuple[str, int], ...]
    """(folder, number of files in it) for each folder the pack has."""

    @property
    def notes(self) -> tuple[str, ...]:
        return () if self.confirmed_matches else (NO_CONFIRMED,)


def count_files(out_dir: Path, confirmed_matches: int) -> PackReport:
    """The report of a pack written into `out_dir`."""
    files = tuple(
        (folder, sum(1 for entry in (out_dir / folder).iterdir() if entry.is_file()))
        for folder, _ in FOLDERS
        if (out_dir / folder).is_dir()
    )
    return PackReport(out_dir, confirmed_matches, files)


def pack_readme(confirmed_matches: int) -> str:
    lines = ["TrainTrace opt-out pack", ""]
    lines += [f"{folder}/: {what}" for folder, what in FOLDERS]
    lines += ["", f"Confirmed matches this pack was written from: {confirmed_matches}"]
    lines += ["", *PackReport(Path(), confirmed_matches, ()).notes]
    return "\n".join(lines).rstrip() + "\n"
