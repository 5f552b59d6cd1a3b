"""`dataset add --keep-columns` against a plain add, and the URL/caption re-pass after a profile change from the
kept columns against from the shard.

Run from the repository root (PYTHONPATH set to the tree measured):

    python -m bench.bench_keep_columns --file COYO.parquet --template DATA_FOLDER [--rounds 2] [--out FILE]

`--template`: a prepared data folder (profile set, portfolio scanned; bench_dataset_add.py step 2 makes one);
every add starts from a copy of it in a temporary folder. Per round, in alternating order (plain first in even
rounds, kept first in odd ones): `add_dataset` (the facade, in this process: CPU seconds from getrusage deltas,
user + sys, every thread) plain and with keep_columns, then a profile change (a new alias and domain) and
`run_matching`, whose re-pass reads the shard (plain) or the kept columns (kept). Load average beside each
figure. Also the disk of the dataset folder and of its kept columns, and whether both re-passes found the same
matches.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.app import TrainTrace
from core.paths import AppPaths


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(call: Callable[[], Any]) -> tuple[float, float, float, Any]:
    load = os.getloadavg()[0]
    cpu, wall = _cpu(), time.monotonic()
    result = call()
    return _cpu() - cpu, time.monotonic() - wall, load, result


def _disk(folder: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def _one(kind: str, file: Path, template: Path, scratch: Path) -> dict[str, Any]:
    home = scratch / kind
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(template, home)
    with TrainTrace.open(AppPaths.resolve(home)) as app:
        add_cpu, add_wall, add_load, _ = _timed(
            lambda: app.add_dataset("bench-coyo", schema="coyo", sources=[str(file)], keep_columns=kind == "kept")
        )
        folder = app.paths.datasets_dir / "bench-coyo"
        profile = app.profile()
        app.set_profile(
            dataclasses.replace(
                profile, aliases=(*profile.aliases, "Atelier Ada Okonkwo"), domains=(*profile.domains, "adaok.gallery")
            )
        )
        repass_cpu, repass_wall, repass_load, _ = _timed(app.run_matching)
        matches = sorted((m.row_id, m.kind, m.url or "", m.caption or "") for m in app.matches())
    figures = {
        "kind": kind, "add_cpu": add_cpu, "add_wall": add_wall, "add_load": add_load, "repass_cpu": repass_cpu,
        "repass_wall": repass_wall, "repass_load": repass_load, "disk": _disk(folder),
        "kept_disk": _disk(folder / "kept"), "matches": len(matches),
    }  # fmt: skip
    shutil.rmtree(home, ignore_errors=True)
    return {"figures": figures, "found": matches}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--template", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rounds = []
    with tempfile.TemporaryDirectory(prefix="bench-keep-") as scratch:
        for round_ in range(args.rounds):
            order = ("plain", "kept") if round_ % 2 == 0 else ("kept", "plain")
            results = {kind: _one(kind, args.file, args.template, Path(scratch)) for kind in order}
            same = results["plain"]["found"] == results["kept"]["found"]
            rounds.append({"order": order, "same_matches": same, **{k: r["figures"] for k, r in results.items()}})
            for kind in order:
                f = results[kind]["figures"]
                print(
                    f"round {round_} {kind:5}: add {f['add_cpu']:.2f} CPU-s (load {f['add_load']:.2f}),"
                    f" re-pass {f['repass_cpu']:.2f} CPU-s (load {f['repass_load']:.2f}), disk {f['disk'] / 1e6:.1f} MB"
                    f" (kept {f['kept_disk'] / 1e6:.1f} MB), {f['matches']} matches",
                    flush=True,
                )
            print(f"round {round_}: same matches after the re-pass: {same}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(rounds, indent=2))


if __name__ == "__main__":
    main()
