"""End to end through the facade: the bundled sample portfolio matched against the sample datasets, a few
matches confirmed, the evidence gathered from the catalogue and the report built and read back."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from core.app import TrainTrace
from core.evidence import build_evidence_pdf, gather_evidence
from core.paths import AppPaths
from core.profile import Profile
from core.resources import sample_datasets, sample_portfolio_dir, sample_profile_file

WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
WORKS = ("harbour-at-dusk.jpg", "launch-day.webp", "brick-lane-study.bmp")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainTrace]:
    app = TrainTrace.open(AppPaths.resolve(tmp_path_factory.mktemp("home")))
    app.set_profile(Profile.from_json(json.loads(sample_profile_file().read_text(encoding="utf-8"))))
    for dataset_id, schema, file in sample_datasets():
        app.add_dataset(dataset_id, schema=schema, sources=[str(file)])
    # three files run in-process (no worker pool) and still give SHA-256, pHash and URL matches
    app.scan([sample_portfolio_dir() / name for name in WORKS])
    app.run_matching()
    chosen: dict[tuple[str, str], int] = {}
    for match in app.matches():
        chosen.setdefault((match.dataset, match.kind), match.id)  # one match of each kind in each dataset
    app.decide(sorted(chosen.values()), "confirmed", "checked by eye")
    yield app
    app.close()


def test_gathered_evidence_holds_the_confirmed_matches_and_no_path(app: TrainTrace) -> None:
    evidence = gather_evidence(app, WHEN)
    assert {item.match.id for item in evidence.matches} == {m.id for m in app.matches("confirmed")}
    assert {d.id for d in evidence.datasets} == {"coyo-sample", "datacomp-sample", "laion-sample"}
    assert all(d.coverage == "full" and d.rows == 3000 for d in evidence.datasets)
    assert evidence.sources == ()  # everything ran on the local index
    for item in evidence.matches:
        assert str(sample_portfolio_dir()) not in item.how_found
        assert "/sample_datasets/" not in item.how_found


def test_report_from_the_catalogue_extracts_every_hash_and_row_id(
    app: TrainTrace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    evidence = gather_evidence(app, WHEN)
    out = tmp_path_factory.mktemp("report") / "evidence.pdf"
    manifest = build_evidence_pdf(evidence, out)
    reader = PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    squeezed = re.sub(r"\s+", "", text)
    for number in range(1, len(evidence.matches) + 1):
        assert f"Match {number} of {len(evidence.matches)}:" in text
    for item in evidence.matches:
        assert item.match.row_id in squeezed
        if item.match.published_hash:
            assert item.match.published_hash in squeezed
        if item.work is not None:
            assert item.work.sha256 in squeezed and format(item.work.phash, "016x") in squeezed
    assert "Ada Okonkwo-Lindqvist" in reader.pages[0].extract_text()
    assert "checked by eye" in text
    assert manifest.manifest_path.name == "evidence.pdf.manifest.json"
    assert str(sample_portfolio_dir()) not in text
