"""Evidence PDF build time: TrainTrace's selective shaping against shaping everything, measured in this run.

TrainTrace turns HarfBuzz shaping on only for text that needs it and loads the Arabic/CJK fallback fonts only
when the report's text uses those scripts (core/evidence/fonts.py). The baseline is the straightforward use of
fpdf2: every bundled font registered and `set_text_shaping(True)` for all text. Both build the same report
(the bundled sample portfolio's matches against the sample datasets, all confirmed), once with a Latin-only
profile and once with CJK and Arabic aliases. Layout and text are identical; only speed differs.

Run: python -m bench.bench_evidence_pdf [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import core.evidence.pdf as pdf_module
from core.app import TrainTrace
from core.evidence import EvidenceInput, build_evidence_pdf, gather_evidence
from core.evidence.document import EvidenceDocument
from core.evidence.fonts import ARABIC, CJK
from core.paths import AppPaths
from core.profile import Profile
from core.resources import sample_datasets, sample_portfolio_dir, sample_profile_file


class ShapeEverything(EvidenceDocument):
    """The baseline: all fallback fonts loaded, shaping on for every piece of text."""

    def __init__(self, running_title: str, footer_note: str, fallbacks: Iterable[str]) -> None:
        super().__init__(running_title, footer_note, (ARABIC, CJK))

    def shape_for(self, *texts: str) -> None:
        self.set_text_shaping(True)


def sample_evidence(home: Path) -> EvidenceInput:
    app = TrainTrace.open(AppPaths.resolve(home))
    app.set_profile(Profile.from_json(json.loads(sample_profile_file().read_text(encoding="utf-8"))))
    for dataset_id, schema, file in sample_datasets():
        app.add_dataset(dataset_id, schema=schema, sources=[str(file)])
    app.scan([sample_portfolio_dir()])
    app.run_matching()
    app.decide([match.id for match in app.matches()], "confirmed")
    evidence = gather_evidence(app, datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    app.close()
    return evidence


def timed(evidence: EvidenceInput, out: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        build_evidence_pdf(evidence, out)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = sample_evidence(Path(folder) / "home")
        multi = dataclasses.replace(
            base, profile=dataclasses.replace(base.profile, aliases=(*base.profile.aliases, "山田花子", "ليلى أحمد"))
        )
        print(f"report: {len(base.matches)} confirmed matches; median of {args.repeat} builds")
        for label, evidence in (("Latin-only profile", base), ("CJK + Arabic aliases", multi)):
            ours = timed(evidence, Path(folder) / "ours.pdf", args.repeat)
            original = pdf_module.EvidenceDocument
            pdf_module.EvidenceDocument = ShapeEverything  # type: ignore[misc]
            try:
                baseline = timed(evidence, Path(folder) / "baseline.pdf", args.repeat)
            finally:
                pdf_module.EvidenceDocument = original  # type: ignore[misc]
            print(f"{label}: TrainTrace {ours:.2f} s, shape-everything baseline {baseline:.2f} s, "
                  f"ratio {baseline / ours:.1f}x faster")  # fmt: skip


if __name__ == "__main__":
    main()
