"""Every kind of match has its methodology sentence, and each sentence is tied to the code that produces the kind:
the code it names exists and, run on a small input, produces matches of that kind the way the sentence says."""

from __future__ import annotations

import importlib
import json

from core.catalogue.matches import FoundMatch
from core.datasets.descriptors import builtin_descriptors
from core.datasets.store import DatasetRow
from core.evidence.methodology import METHODS, methodology_sections, summary_legend
from core.matching.records import MatchRecords, WorkQuery
from core.matching.text import TextMatcher
from core.matching.urls import UrlMatcher
from core.net import HttpClient
from core.profile import Profile
from core.sources import ClipRetrievalSource, SourceConfig, SourceQuery
from core.sources.service import hits_as_matches
from core.vocabulary import MatchKind
from tests.clock import ManualClock
from tests.net.servers import RecordingServer
from tests.sources.helpers import FAST
from tests.sources.test_clip_retrieval import _serve as serve_clip

PROFILE = Profile(name="Ada Okonkwo-Lindqvist", domains=("okonkwo-lindqvist.art",))
DESCRIPTOR = builtin_descriptors()["coyo-700m"]


def _row(**values: object) -> DatasetRow:
    fields: dict[str, object] = {
        "ordinal": 5, "shard": "part-0.parquet", "shard_row": 5, "row_id": "77", "url": None, "caption": None,
        "phash": None, "sha256": None, "width": None, "height": None,
    }  # fmt: skip
    fields.update(values)
    return DatasetRow(**fields)  # type: ignore[arg-type]


def _dataset_matches() -> dict[MatchKind, FoundMatch]:
    """One match of each dataset kind, made by the code the methodology names."""
    records = MatchRecords(DESCRIPTOR, "full", "local index")
    work = WorkQuery(1, "harbour.jpg", "ab" * 32, (("original", 0xB4964B6B94B4394B),), (1200, 800))
    sha = records.sha256(work, _row(sha256="ab" * 32))
    phash = records.phash({(1, 5): (2, "original", 0xB4964B6B94B4394B)}, {1: work}, {5: _row(phash=0xB4964B6B94B4394E)})
    url = records.url(_row(url="https://okonkwo-lindqvist.art/harbour.jpg"), UrlMatcher(PROFILE), {"harbour.jpg": 1})
    text = records.text(_row(caption="painted by Ada Okonkwo-Lindqvist"), TextMatcher(PROFILE))
    assert url is not None and text is not None
    return {MatchKind.SHA256: sha, MatchKind.PHASH: phash[0], MatchKind.URL: url, MatchKind.TEXT: text}


def test_every_kind_has_a_sentence_and_names_its_code() -> None:
    assert set(METHODS) == set(MatchKind), "a match kind without its methodology sentence (or a stale one)"
    for kind, method in METHODS.items():
        assert method.meaning and method.name and method.short and method.compared, kind
        for reference in method.produced_by:
            module, _, attribute = reference.partition(":")
            target: object = importlib.import_module(module)
            for part in attribute.split("."):
                target = getattr(target, part)
            assert callable(target), reference


def test_the_named_dataset_code_produces_each_kind_as_described() -> None:
    found = _dataset_matches()
    for kind, match in found.items():
        assert match.kind == kind
        assert f"core.matching.records:MatchRecords.{kind.value}" in METHODS[kind].produced_by
    assert found[MatchKind.SHA256].distance == 0 and found[MatchKind.SHA256].published_hash == "ab" * 32
    assert found[MatchKind.PHASH].distance == 2 and "Hamming" in METHODS[MatchKind.PHASH].meaning
    assert found[MatchKind.URL].work_id == 1  # "when the address's file name is that of one of the artist's files"
    assert found[MatchKind.TEXT].work_id is None and found[MatchKind.TEXT].local_hash is None
    assert "no picture" in METHODS[MatchKind.URL].meaning and "no picture" in METHODS[MatchKind.TEXT].meaning


def test_clip_rows_come_from_a_text_query_and_the_sentence_says_so(server: RecordingServer) -> None:
    serve_clip(server, ["laion_400m"])
    source = ClipRetrievalSource(SourceConfig(url=server.url_for("/"), index="laion_400m"))
    clock = ManualClock()
    with HttpClient(FAST, clock=clock, sleep=clock.sleep) as client:
        result = source.search(SourceQuery(phashes=("b4964b6b94b4394b",), profile=PROFILE), client)
    bodies = [json.loads(request.body) for request in server.recorded]
    assert bodies and all(body["modality"] == "text" and body["text"] for body in bodies)
    assert not any({"image", "image_url", "embedding_input"} & set(body) for body in bodies), "a picture was sent"
    matches = hits_as_matches(result, [])
    assert matches and all(m.kind == MatchKind.CLIP and m.work_id is None and not m.published_hash for m in matches)
    assert "core.sources.clip_retrieval:ClipRetrievalSource.run_call" in METHODS[MatchKind.CLIP].produced_by
    sentence = METHODS[MatchKind.CLIP].meaning
    assert "text query" in sentence and "No picture of the artist's was sent or compared" in sentence
    assert "visual similarity" not in sentence.lower()


def test_the_report_wording_covers_every_kind() -> None:
    legend = summary_legend()
    text = " ".join(p for _, paragraphs in methodology_sections(8, remote_sources=True) for p in paragraphs)
    for method in METHODS.values():
        assert method.short in legend and method.meaning in text
    assert "never a picture" in text
    assert "never a picture" not in " ".join(
        p for _, paragraphs in methodology_sections(8, remote_sources=False) for p in paragraphs
    )


def test_the_kind_names_do_not_claim_a_visual_comparison_for_clip() -> None:
    assert "text" in METHODS[MatchKind.CLIP].name and "text" in METHODS[MatchKind.CLIP].short.lower()
