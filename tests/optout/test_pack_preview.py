"""The opt-out pack's preview: exactly what writing would do in the chosen folder, and nothing written there."""

from __future__ import annotations

from pathlib import Path

from core.app import TrainTrace
from core.paths import AppPaths
from core.resources import sample_portfolio_dir


def _demo_with_confirmed(tmp_path: Path) -> TrainTrace:
    app = TrainTrace.open(AppPaths.resolve(tmp_path / "home").for_demo())
    app.demo()
    matched = [m.id for m in app.matches() if m.kind in ("phash", "url") and m.work_id is not None][:3]
    app.decide(matched, "confirmed")
    return app


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_preview_writes_nothing_and_says_what_writing_will_do(tmp_path: Path) -> None:
    app = _demo_with_confirmed(tmp_path)
    out = tmp_path / "pack"
    (out / "website").mkdir(parents=True)
    (out / "website" / "robots.txt").write_text("User-agent: *\nDisallow: /drafts/\n")
    (out / "website" / "ai.txt").write_text("my own ai.txt\n")
    before = _tree(out)
    preview = app.preview_optout_pack(out)
    assert _tree(out) == before  # nothing written, nothing changed
    files = {f.relative: f for f in preview.files}
    assert (
        files["website/robots.txt"].outcome.startswith("merged")
        and "Disallow: /drafts/" in files["website/robots.txt"].text
    )
    assert files["website/ai.txt.new"].outcome == "yours is kept; ours goes beside it"
    assert (
        files["letters/reservation-notice.txt"].outcome == "new"
        and "Ada" in files["letters/reservation-notice.txt"].text
    )
    copies = [f for f in preview.files if f.part == "tagged copies"]
    assert copies and all(Path(f.source).parent == sample_portfolio_dir() for f in copies)

    app.write_optout_pack(out)  # what the preview said is what happened
    written = _tree(out)
    assert "website/ai.txt.new" in written and written["website/ai.txt"] == b"my own ai.txt\n"
    assert written["letters/reservation-notice.txt"].decode() == files["letters/reservation-notice.txt"].text
    again = {f.relative: f.outcome for f in app.preview_optout_pack(out).files if f.part != "tagged copies"}
    assert again.pop("website/ai.txt.new") == "yours is kept; ours goes beside it"  # still yours, still beside
    assert set(again.values()) == {"already up to date (not written again)"}
    app.close()


def test_without_a_profile_the_preview_says_why_there_are_no_letters(tmp_path: Path) -> None:
    app = TrainTrace.open(AppPaths.resolve(tmp_path / "home"))
    preview = app.preview_optout_pack(tmp_path / "pack")
    assert not (tmp_path / "pack").exists()
    assert any(note.startswith("No letters: the profile is empty") for note in preview.notes)
    assert any("No tagged copies" in note for note in preview.notes)
    assert {f.part for f in preview.files} == {"website", "pack"}
    app.close()
