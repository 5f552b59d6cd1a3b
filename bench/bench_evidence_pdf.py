"""Evidence PDF build time for 1,000 confirmed matches: TrainTrace's own line breaking against fpdf2's, measured in
this run, in CPU seconds.

The report: the bundled sample portfolio matched against the sample datasets, every match confirmed, and the 46
matches repeated to 1,000 with dataset-like captions and addresses (200 to 1,000 characters of caption, one in
ten in Arabic and one in ten in Chinese, addresses of 60 to 300 characters), so the text to lay out is that of a
real report rather than of the short sample captions.

TrainTrace breaks lines itself (core/evidence/document.py: each character's advance read once from the font's
width table, each word shaped once when the text needs shaping) and writes a plain line with one text operator.
The baseline breaks every text block with fpdf2's `multi_cell` (`dry_run`, the line breaking the report used
before; the lines are then drawn the same way), which measures a candidate line again for every character it
adds and re-shapes it when shaping is on. The pages, text and manifest are the same; only the time differs.

Run: python -m bench.bench_evidence_pdf [--matches 1000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from fpdf.enums import MethodReturnValue, WrapMode
from pypdf import PdfReader

import core.evidence.pdf as pdf_module
from core.app import TrainTrace
from core.evidence import EvidenceInput, build_evidence_pdf, gather_evidence
from core.evidence.document import EvidenceDocument
from core.paths import AppPaths
from core.profile import Profile
from core.resources import sample_datasets, sample_portfolio_dir, sample_profile_file

WORDS = ("harbour dusk study oil canvas painting print poster wall art featured artwork framed limited edition "
         "by Ada Okonkwo-Lindqvist landscape evening light").split()  # fmt: skip
ARABIC = "لوحة زيتية للفنانة ليلى أحمد منظر ميناء عند الغروب طبعة محدودة".split()
CHINESE = "海港黄昏油画习作限量版印刷品艺术家作品风景傍晚光线"


class FpdfLineBreaking(EvidenceDocument):
    """The baseline: every text block broken into lines by fpdf2's `multi_cell`, as the report did before."""

    def wrap(self, text: str, width: float, any_character: bool = False) -> list[str]:
        lines = self.multi_cell(
            width, 1, text, dry_run=True, output=MethodReturnValue.LINES,
            wrapmode=WrapMode.CHAR if any_character else WrapMode.WORD,
        )  # fmt: skip
        return [str(line) for line in lines] or [""]


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


def _caption(rng: random.Random, number: int) -> str:
    length = rng.randint(200, 1000)
    if number % 10 == 3:
        words: Iterable[str] = (rng.choice(ARABIC) for _ in range(length // 6))
        return " ".join(words)[:length]
    if number % 10 == 7:
        return "".join(rng.choice(CHINESE) for _ in range(length // 3))
    return " ".join(rng.choice(WORDS) for _ in range(length // 6))[:length]


def thousand_matches(base: EvidenceInput, count: int) -> EvidenceInput:
    rng = random.Random(1)
    items = []
    while len(items) < count:
        for item in base.matches:
            number = len(items)
            url = "https://cdn.example-host.net/" + "".join(rng.choice("abcdef0123456789/-_") for _ in
                                                            range(rng.randint(30, 270))) + ".jpg"  # fmt: skip
            match = dataclasses.replace(item.match, id=number + 1, caption=_caption(rng, number), url=url)
            items.append(dataclasses.replace(item, match=match))
            if len(items) == count:
                break
    return dataclasses.replace(base, matches=tuple(items))


def cpu_seconds(evidence: EvidenceInput, out: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        build_evidence_pdf(evidence, out)
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        evidence = thousand_matches(sample_evidence(Path(folder) / "home"), args.matches)
        ours = cpu_seconds(evidence, Path(folder) / "ours.pdf", args.repeat)
        pages = len(PdfReader(Path(folder) / "ours.pdf").pages)
        original = pdf_module.EvidenceDocument
        pdf_module.EvidenceDocument = FpdfLineBreaking  # type: ignore[misc]
        try:
            baseline = cpu_seconds(evidence, Path(folder) / "baseline.pdf", args.repeat)
        finally:
            pdf_module.EvidenceDocument = original  # type: ignore[misc]
        baseline_pages = len(PdfReader(Path(folder) / "baseline.pdf").pages)
        print(f"report of {len(evidence.matches)} confirmed matches; median of {args.repeat} build(s), CPU seconds")
        print(f"TrainTrace line breaking: {ours:.1f} CPU-s ({pages} pages)")
        print(f"fpdf2 multi_cell line breaking (baseline): {baseline:.1f} CPU-s ({baseline_pages} pages)")
        print(f"ratio: {baseline / ours:.1f}x faster")


if __name__ == "__main__":
    main()
