"""`traintrace batch` on a real 2-worker LocalCluster (worker processes): the local path's results, through a
killed worker, a corrupt shard and a stop; then `batch import` into an artist's catalogue."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path

import psutil
import pytest

from core.app import TrainTrace
from core.batch.results import load_manifest, read_results
from core.batch.runner import ClusterSpec
from core.batch.task import TaskOutcome
from core.cli.main import main
from core.errors import Cancelled
from core.paths import AppPaths
from core.progress import Progress
from tests.batch.conftest import OWNER, PROFILE, Portfolio, comparable, corrupt_shard

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A running 2-worker cluster (processes), reached by its address as an agency's cluster would be."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


class Recorder:
    """Batch events, with a hook run on the first rows reported and on each finished task."""

    def __init__(self, on_rows: object = None, on_done: object = None) -> None:
        self.rows = 0
        self.shard_rows: dict[str, int] = {}
        self.outcomes: list[TaskOutcome] = []
        self._on_rows, self._on_done = on_rows, on_done

    def dashboard(self, link: str | None) -> None:
        self.link = link

    def planned(self, shards: Sequence[tuple[str, int | None]], done: Sequence[str]) -> None:
        self.shards = list(shards)

    def rows_done(self, source: str, rows: int) -> None:
        self.shard_rows[source] = rows
        self.rows = sum(self.shard_rows.values())
        if callable(self._on_rows):
            self._on_rows()
            self._on_rows = None

    def task_done(self, outcome: TaskOutcome) -> None:
        self.outcomes.append(outcome)
        if callable(self._on_done):
            self._on_done()


def _batch_args(home: Path, portfolio: Portfolio, shards: Sequence[Path], out: Path, scheduler: str) -> list[str]:
    sources = [arg for shard in shards for arg in ("--from", str(shard))]
    return ["--data-dir", str(home), "batch", "--hashes", str(portfolio.hash_list), "--dataset", "coyo-700m",
            *sources, "--scheduler", scheduler, "--out", str(out), "--rows-per-task", "4000"]  # fmt: skip


def test_the_cluster_finds_what_the_local_path_finds_resumes_and_imports(
    tmp_path: Path, portfolio: Portfolio, shards: list[Path], local_matches: set[tuple],
    capsys: pytest.CaptureFixture[str], scheduler: str,
) -> None:  # fmt: skip
    out = tmp_path / "out"
    assert main(_batch_args(tmp_path / "agency", portfolio, shards, out, scheduler)) == 0
    printed = capsys.readouterr().out
    assert "Dask dashboard:" in printed and "6 task(s): 6 run now" in printed and "27,000 rows" in printed
    assert comparable(read_results(out)) == local_matches
    assert main(_batch_args(tmp_path / "agency", portfolio, shards, out, "local")) == 0  # its own LocalCluster
    assert "0 run now, 6 finished earlier" in capsys.readouterr().out
    assert comparable(read_results(out)) == local_matches
    # The artist loads their results and reviews them like local matches.
    with TrainTrace.open(AppPaths.resolve(tmp_path / "artist")) as app:
        app.set_profile(PROFILE)
        app.scan([portfolio.folder])
    assert main(["--data-dir", str(tmp_path / "artist"), "batch", "import", str(out), "--owner", OWNER]) == 0
    assert f"Loaded {len(local_matches)} match(es) of {OWNER}" in capsys.readouterr().out
    with TrainTrace.open(AppPaths.resolve(tmp_path / "artist")) as app:
        imported = app.matches()
    assert {m.source for m in imported} == {"batch"} and len(imported) == len(local_matches)
    assert {
        (os.path.basename(m.work_path) if m.work_path else None, m.row_id, m.kind, m.evidence) for m in imported
    } == {(t[0], t[2], t[3], t[10]) for t in local_matches}


def test_a_killed_worker_still_gives_complete_identical_results(
    tmp_path: Path, portfolio: Portfolio, shards: list[Path], local_matches: set[tuple]
) -> None:
    killed: list[int] = []

    def kill_a_worker() -> None:
        workers = [p for p in psutil.Process().children(recursive=True) if "spawn" in " ".join(p.cmdline())]
        victim = workers[0]
        killed.append(victim.pid)
        os.kill(victim.pid, signal.SIGKILL)

    events = Recorder(on_rows=kill_a_worker)
    with TrainTrace.open(AppPaths.resolve(tmp_path / "agency")) as app:
        sources = [str(s) for s in shards]
        report = app.run_batch([portfolio.hash_list], "coyo-700m", tmp_path / "out", events, sources=sources,
                               cluster=ClusterSpec("local", 2), rows_per_task=1)  # fmt: skip
    assert killed and (not psutil.pid_exists(killed[0]) or psutil.Process(killed[0]).status() == "zombie")
    assert report.complete and report.tasks == 9
    assert events.rows == 27_000  # the killed worker's task, rerun, is counted once in its shard's bar
    manifest = load_manifest(tmp_path / "out")
    assert manifest is not None and manifest.complete
    assert comparable(read_results(tmp_path / "out")) == local_matches


def test_a_corrupt_shard_is_named_and_the_rest_completes(
    tmp_path: Path, portfolio: Portfolio, shards: list[Path], local_matches: set[tuple],
    capsys: pytest.CaptureFixture[str], scheduler: str,
) -> None:  # fmt: skip
    bad = corrupt_shard(tmp_path)
    out = tmp_path / "out"
    assert main(_batch_args(tmp_path / "agency", portfolio, [shards[0], bad, *shards[1:]], out, scheduler)) == 1
    printed = capsys.readouterr().out
    flat = " ".join(printed.split())
    assert "1 failed" in flat and "failed: " in flat and "part-bad.parquet" in flat and "partial" in flat
    results = read_results(out)
    assert set(results.column("coverage").to_pylist()) == {"partial"}
    assert {t[:-1] for t in comparable(results)} == {t[:-1] for t in local_matches}


def test_a_stopped_batch_resumes_where_it_stopped(
    tmp_path: Path, portfolio: Portfolio, shards: list[Path], local_matches: set[tuple], scheduler: str
) -> None:
    progress = Progress()
    out = tmp_path / "out"
    cluster, sources = ClusterSpec(scheduler), [str(s) for s in shards]
    with TrainTrace.open(AppPaths.resolve(tmp_path / "agency")) as app:
        with pytest.raises(Cancelled):
            app.run_batch([portfolio.hash_list], "coyo-700m", out, Recorder(on_done=progress.cancel), sources=sources,
                          cluster=cluster, rows_per_task=1, progress=progress)  # fmt: skip
        manifest = load_manifest(out)
        assert manifest is not None and 1 <= len(manifest.done) < 9 and not manifest.complete
        report = app.run_batch([portfolio.hash_list], "coyo-700m", out, Recorder(), sources=sources,
                               cluster=cluster, rows_per_task=1)  # fmt: skip
    assert report.complete and report.resumed == len(manifest.done) and report.tasks == 9
    assert comparable(read_results(out)) == local_matches
