"""`traintrace dataset add` on a generated dataset: CPU time, memory and disk beside pyarrow's bare read.

Run from the repository root (the tree whose code is measured):

    python -m bench.bench_dataset_add --shape coyo|laion|datacomp --rows N [--baseline-commit SHA]
        [--baseline-rows M] [--works 1000] [--cache DIR] [--keep DIR] [--out FILE] [--repeat N]

Everything is measured through the command line in child processes (`python -c "from core.cli.entry import
run; run()"`, the console script of the tree's pyproject.toml, with PYTHONPATH set to the tree), so the same
harness measures today's importer and any later one without a change. Steps:

1. Generates (once; cached in --cache) a portfolio of --works small procedural artworks and photo crops
   (256 px, distinct pictures), and a Parquet file of N rows of the chosen shape (bench/metadata_gen.py: real
   column names, URLs of 80-120 characters, captions of 50-150, row groups of 2**20 rows, snappy), with planted
   rows at random positions: pHashes equal to or a few bits from works' pHashes (COYO), works' file SHA-256s
   (DataComp), URLs on the artist's two domains and upload prefix and captions naming the artist (all shapes),
   and look-alikes that must not match (pHashes 18-22 bits away, SHA-256s one digit off, look-alike domains,
   surname-only captions, a longer handle, an e-mail address...). The works' hashes come from the tree's own
   `scan --json`. The planted rows and their ids are in FILE.planted.json.
2. Prepares a data folder per tree: `profile set` (the sample artist, a second domain, a handle, an upload
   prefix), `scan PORTFOLIO --json`; every measured add starts from a copy of it.
3. Times, in the same run, CPU seconds (getrusage(RUSAGE_CHILDREN) deltas, user + sys, all threads and
   worker processes) with wall seconds beside: (a) the bare pyarrow read (`iter_batches` of 65,536 rows, as the
   importer reads) of exactly the columns the shape's match kinds need, and of all the schema's mapped columns,
   each in a child process too; (b) `dataset add NAME --schema S --from FILE`; then `match --json`; (c) with
   --baseline-commit, the same on a `git worktree` of that commit (same venv) on --baseline-rows M rows
   (default min(N, 2M)), compared per row. Also: peak RSS of each child (ru_maxrss from wait4), bytes on disk
   (allocated blocks) of `<data dir>/datasets/NAME` and the growth of the whole data folder, bytes per row,
   rows per CPU-second, and recall/precision on the planted rows for each tree; with a baseline, whether both
   trees report identical (row id, kind, work, distance) matches on the same file. With --repeat N, the bare
   reads, start-up and add are run N times in interleaved rounds and each figure is its round of least CPU (a
   busy virtual machine adds 10-20 % to single runs); every round's CPU is in the JSON ("rounds_cpu").
4. Prints a compact table; --out FILE writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from PIL import Image

from bench import artgen, corpus
from bench.metadata_gen import GROUP_ROWS, SHAPES, write_dataset

GENERATOR_VERSION = 1
READ_BATCH_ROWS = 65_536
REPO = Path(__file__).resolve().parent.parent

PROFILE = {
    "name": "Ada Okonkwo-Lindqvist",
    "aliases": ["Studio Okonkwo-Lindqvist"],
    "domains": ["okonkwo-lindqvist.art", "adaok.studio"],
    "handles": ["@ada.ok"],
    "url_prefixes": ["https://www.artstation.com/adaok/"],
}
URL_POSITIVES = (
    ("https://okonkwo-lindqvist.art/works/{work}", "the registrable domain"),
    ("https://cdn.okonkwo-lindqvist.art/works/{work}?w=1024", "a subdomain, query string"),
    ("http://www.okonkwo-lindqvist.art/gallery/{work}", "www, http"),
    ("https://OKONKWO-LINDQVIST.ART/about/{slug}.jpg", "host in capitals"),
    ("https://shop.okonkwo-lindqvist.art:443/prints/{slug}-a3-print.jpg", "port"),
    ("https://adaok.studio/img/{work}", "the second domain"),
    ("https://media.adaok.studio/uploads/2023/05/{work}", "a subdomain of the second domain"),
    ("https://www.artstation.com/adaok/artwork/{work}", "the upload prefix"),
    ("https://artstation.com/adaok/artwork/{slug}.jpg", "the upload prefix without www"),
)
URL_LOOKALIKES = (
    ("https://okonkwo-lindqvist.art.evil.net/works/{work}", "the artist's domain as labels of another host"),
    ("https://adaok.studio.evil.net/img/{work}", "the second domain as labels of another host"),
    ("https://notokonkwo-lindqvist.art/{work}", "another registrable domain ending like the artist's"),
    ("https://okonkwo-lindqvist.art-prints.com/shop/{slug}.jpg", "the domain followed by more letters"),
    ("https://pinboard.example.com/pin/{n}?ref=okonkwo-lindqvist.art", "the domain only in the query"),
    ("https://mirror.example.org/okonkwo-lindqvist.art/{work}", "the domain only in the path"),
    ("https://www.artstation.com/adaokafor/artwork/{slug}.jpg", "a longer user name sharing the upload prefix"),
    ("https://okonkwo-lindqvist.art@evil.net/{work}", "the domain as userinfo: the host is evil.net"),
)
TEXT_POSITIVES = (
    ("{Title} by Ada Okonkwo-Lindqvist, giclee print on cotton paper", "name"),
    ("ada okonkwo\u2013lindqvist: {title}, original painting for sale", "name, en dash, lower case"),
    ("ADA OKONKWO\u2011LINDQVIST \u2014 {Title} | limited edition", "name, capitals, non-breaking hyphen"),
    ("Ad\u00e1 Okonkwo-Lindqvist, {Title} (signed print)", "name, mis-accented"),
    ("Ada Okonkwo Lindqvist {title} poster for living room", "name, space for the hyphen"),
    ("{title} mood #AdaOkonkwoLindqvist #digitalart", "hashtag"),
    ("{Title} wall art #ada_okonkwo_lindqvist", "hashtag with underscores"),
    ("new print drop: {title}, follow @ada.ok for more", "handle"),
    ("{title} sticker (@ADA.OK)", "handle in capitals"),
    ("Limited edition from Studio Okonkwo-Lindqvist: {title}", "alias"),
)
TEXT_LOOKALIKES = (
    ("Okonkwo, Lindqvist & Partners - annual report {n}", "surnames split by other punctuation"),
    ("Follow @ada.okafor for daily sketches and {title}", "a longer handle"),
    ("Ada at the beach, summer {year}, vintage photograph", "a first name alone"),
    ("Lindqvist family portrait, oil on board, {title}", "one surname alone"),
    ("Okonkwo market stall at dawn, {title}", "one surname alone"),
    ("Ada Lovelace portrait poster, {title}", "another person named Ada"),
    ("write to ada.ok@example.com for commissions of {title}", "the handle inside an e-mail address"),
    ("{Title} by Ada Okonkwo-Lindqvistova, print", "a longer surname"),
)
SLUG_WORDS = ("harbour", "dusk", "orbit", "study", "tidal", "gradient", "night", "garden", "paper", "sun", "field")


# ---------------------------------------------------------------------------------------------------------------
# Children: timing, memory, disk


@dataclass
class Run:
    cpu: float  # user + sys of the command and every process it waited for (wait4 in the launcher)
    user: float
    sys: float
    wall: float
    peak_rss_mb: float  # largest ru_maxrss among them
    cpu_rusage_children: float  # getrusage(RUSAGE_CHILDREN) delta in this process: the above + the launcher
    load_before: float
    load_after: float


# A small launcher between this (large) process and the command: a forked child inherits its parent's resident
# size as its RSS high-water mark, and Linux keeps that mark across exec, so a command forked straight from here
# would report this process's RSS as its own peak. Forked from the launcher (about 10 MB), it reports its own.
LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"user": usage.ru_utime, "sys": usage.ru_stime, "maxrss_kb": usage.ru_maxrss}, out)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_child(cmd: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> Run:
    """Run `cmd` in `cwd` to completion through the launcher, output appended to `log`; fails with the log's
    tail when the exit code is not 0."""
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    usage_file = log.with_name(log.name + ".rusage.json")
    started = time.perf_counter()
    with log.open("ab") as out:
        out.write(("$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        code = subprocess.call([sys.executable, "-c", LAUNCHER, str(usage_file), *cmd], stdout=out,
                               stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL, cwd=cwd)  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"command failed with exit code {code}: {' '.join(cmd)}\n{tail}")
    usage = json.loads(usage_file.read_text())
    usage_file.unlink()
    children = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Run(usage["user"] + usage["sys"], usage["user"], usage["sys"], wall, usage["maxrss_kb"] / 1024,
               children, load_before, os.getloadavg()[0])  # fmt: skip


def disk_bytes(path: Path) -> tuple[int, int]:
    """(allocated bytes, apparent bytes) of every file under `path` (0, 0 when it does not exist)."""
    allocated = apparent = 0
    if not path.exists():
        return 0, 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            stat = os.lstat(os.path.join(folder, name))
            allocated += stat.st_blocks * 512
            apparent += stat.st_size
    return allocated, apparent


class Tree:
    """A source tree whose command line is measured: its console script, run with PYTHONPATH set to it."""

    def __init__(self, root: Path, label: str) -> None:
        self.root = root
        self.label = label
        self.env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "120"}
        self.env.pop("TRAINTRACE_HOME", None)
        target = "core.cli.entry:run"
        pyproject = root / "pyproject.toml"
        if pyproject.exists():
            target = tomllib.loads(pyproject.read_text())["project"]["scripts"].get("traintrace", target)
        module, _, func = target.partition(":")
        self.cli = [sys.executable, "-c", f"import sys; from {module} import {func} as f; sys.exit(f())"]
        self.commit = _git(root, "rev-parse", "HEAD")
        self.dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))

    # Children run in the tree's root: `python -c` puts the working directory first on sys.path, before
    # PYTHONPATH, so from any other checkout they would import that checkout's code.
    def run(self, data_dir: Path, args: list[str], log: Path) -> Run:
        return run_child([*self.cli, "--data-dir", str(data_dir), *args], self.env, log, cwd=self.root)

    def output(self, data_dir: Path, args: list[str]) -> str:
        done = subprocess.run([*self.cli, "--data-dir", str(data_dir), *args], env=self.env, capture_output=True,
                              text=True, check=True, cwd=self.root)  # fmt: skip
        return done.stdout

    def check_imports(self) -> None:
        """Fail unless the children really import this tree's `core`."""
        found = subprocess.run([sys.executable, "-c", "import core; print(core.__file__)"], env=self.env,
                               capture_output=True, text=True, check=True, cwd=self.root).stdout.strip()  # fmt: skip
        if Path(found).resolve() != (self.root / "core" / "__init__.py").resolve():
            raise SystemExit(f"{self.label}: the command line would import {found}, not {self.root}'s code")


def _git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return ""


# ---------------------------------------------------------------------------------------------------------------
# Portfolio, data folder, dataset


def ensure_portfolio(cache: Path, works: int, seed: int) -> Path:
    """`works` distinct 256 px pictures (procedural artworks of six families, photo crops and blends), cached."""
    folder = cache / f"portfolio-w{works}-s{seed}"
    if (folder / ".complete").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    families = sorted(artgen.ART_FAMILIES)
    rng = random.Random(f"bench-dataset-add/{seed}")
    for index in range(works):
        width, height = rng.choice(((256, 256), (256, 192), (192, 256), (256, 171)))
        choice = rng.random()
        if choice < 0.7:
            family = families[index % len(families)]
            image = artgen.procedural_artwork(family, f"{seed}/{index}", width, height)
        else:
            family = "photo"
            image = corpus._random_crop(rng, (width, height))
            if choice > 0.85:
                image = Image.blend(image, corpus._random_crop(rng, (width, height)), 0.35)
        title = f"{rng.choice(SLUG_WORDS)}-{rng.choice(SLUG_WORDS)}"
        name = f"{index:04d}-{family}-{title}"
        if index % 10 == 9:
            image.save(folder / f"{name}.png", "PNG")
        else:
            image.save(folder / f"{name}.jpg", "JPEG", quality=90)
    (folder / ".complete").write_text("ok\n")
    return folder


def prepare_data_dir(tree: Tree, folder: Path, portfolio: Path, log: Path) -> tuple[list[dict[str, Any]], Run]:
    """`profile set` and `scan PORTFOLIO --json` into `folder`; returns the scanned works and the scan's figures."""
    if folder.exists():
        shutil.rmtree(folder)
    profile_args = ["profile", "set", "--name", PROFILE["name"]]
    for option, key in (("--alias", "aliases"), ("--domain", "domains"), ("--handle", "handles"),
                        ("--url-prefix", "url_prefixes")):  # fmt: skip
        for value in PROFILE[key]:
            profile_args += [option, value]
    tree.run(folder, profile_args, log)
    scan_json = folder.parent / f"{folder.name}.scan.json"
    scan = tree.run(folder, ["scan", str(portfolio), "--json", str(scan_json)], log)
    works = [w for w in json.loads(scan_json.read_text())["works"] if w["status"] == "ok"]
    return works, scan


def _flip(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return value


def _popcount_min(value: int, targets: np.ndarray) -> int:
    return int(np.bitwise_count(targets ^ np.uint64(value)).min())


def planted_rows(
    shape: str, works: list[dict[str, Any]], portfolio: Path, count: int, seed: int
) -> list[dict[str, Any]]:
    """The planted rows (expected matches and look-alikes) for `shape`; positions and row ids are set later."""
    rng = random.Random(f"planted/{shape}/{seed}")
    kinds = SHAPES[shape].kinds
    rows: list[dict[str, Any]] = []
    targets = np.array([int(w["phash"], 16) for w in works], dtype=np.uint64)

    def title(work: dict[str, Any]) -> str:
        return " ".join(Path(work["path"]).stem.split("-")[2:])

    def fill(template: str, work: dict[str, Any]) -> str:
        words = title(work)
        return template.format(work=Path(work["path"]).name, slug=words.replace(" ", "-"), n=rng.randint(10, 99999),
                               title=words, Title=words.capitalize(), year=rng.randint(1950, 2020))  # fmt: skip

    if "phash" in kinds:
        for i, work in enumerate(rng.sample(works, min(count, len(works)))):
            bits = 0 if i % 2 == 0 else rng.randint(1, 6)
            value = _flip(int(work["phash"], 16), bits, rng)
            scale = rng.uniform(0.5, 4.0)
            rows.append({"kind": "phash", "expect": True, "work": work["path"], "phash": f"{value:016x}",
                         "why": f"{bits} bits from the work's pHash", "width": round(work["width"] * scale),
                         "height": round(work["height"] * scale)})  # fmt: skip
        for work in rng.sample(works, min(count // 2, len(works))):
            while True:
                value = _flip(int(work["phash"], 16), rng.randint(18, 22), rng)
                if _popcount_min(value, targets) >= 16:
                    break
            rows.append({"kind": "phash", "expect": False, "work": work["path"], "phash": f"{value:016x}",
                         "why": "18-22 bits from a work's pHash, at least 16 from every work"})  # fmt: skip
    if "sha256" in kinds:
        for work in rng.sample(works, min(count, len(works))):
            rows.append({"kind": "sha256", "expect": True, "work": work["path"], "sha256": work["sha256"],
                         "why": "the work's file SHA-256", "width": work["width"],
                         "height": work["height"]})  # fmt: skip
        for i, work in enumerate(rng.sample(works, min(count // 2, len(works)))):
            if i % 2 == 0:
                digest = work["sha256"][:-1] + ("0" if work["sha256"][-1] != "0" else "1")
                why = "the work's SHA-256 with its last digit changed"
            else:
                digest = hashlib.sha256((portfolio / work["path"]).read_bytes() + b"\0").hexdigest()
                why = "SHA-256 of the work's bytes plus one byte"
            rows.append({"kind": "sha256", "expect": False, "work": work["path"], "sha256": digest, "why": why})
    for kind, positives, lookalikes in (
        ("url", URL_POSITIVES, URL_LOOKALIKES),
        ("text", TEXT_POSITIVES, TEXT_LOOKALIKES),
    ):
        for expect, templates, number in ((True, positives, count), (False, lookalikes, count // 2)):
            for i in range(number):
                template, why = templates[i % len(templates)]
                work = rng.choice(works)
                rows.append(
                    {"kind": kind, "expect": expect, "work": work["path"], kind: fill(template, work), "why": why}
                )
    sha_by_path = {w["path"]: w["sha256"] for w in works}
    for row in rows:
        row["work_sha256"] = sha_by_path[row["work"]]
    return rows


def works_fingerprint(works: list[dict[str, Any]]) -> str:
    """The portfolio as the scan saw it: its (pHash, SHA-256) pairs (paths left out, so a tree whose JSON writes
    paths differently still reuses the cached file)."""
    return hashlib.sha256(json.dumps(sorted((w["phash"], w["sha256"]) for w in works)).encode()).hexdigest()


def ensure_dataset(
    cache: Path, shape: str, rows: int, works: list[dict[str, Any]], portfolio: Path, args: argparse.Namespace
) -> tuple[Path, list[dict[str, Any]]]:
    """The cached Parquet file and its planted rows (generated if missing)."""
    extra = "" if args.extra_columns is None else f"-x{int(args.extra_columns)}"
    stem = f"{shape}-r{rows}-w{args.works}-p{args.plant}-s{args.seed}{extra}-g{GENERATOR_VERSION}"
    path, meta_path = cache / f"{stem}.parquet", cache / f"{stem}.planted.json"
    fingerprint = works_fingerprint(works)
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta["works_fingerprint"] != fingerprint:
            raise SystemExit(
                f"{meta_path}: planted for other work hashes than this scan found; delete the cached files"
            )
        return path, meta["planted"]
    planted = planted_rows(shape, works, portfolio, args.plant, args.seed)
    started = time.perf_counter()

    def progress(done: int) -> None:
        if sys.stdout.isatty() or done == rows:
            elapsed = time.perf_counter() - started
            print(f"\r  generating {path.name}: {done:,} / {rows:,} rows ({elapsed:.0f} s)", end="", flush=True)

    write_dataset(path, shape, rows, planted, args.seed, args.group_rows, args.extra_columns, progress)
    print()
    meta = {"generator_version": GENERATOR_VERSION, "shape": shape, "rows": rows, "profile": PROFILE,
            "works_fingerprint": fingerprint, "planted": planted}  # fmt: skip
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    return path, planted


# ---------------------------------------------------------------------------------------------------------------
# Measurements

# argv: path, columns, batch rows, mode. "row-groups": one row group at a time (what a streaming pass does; memory
# stays at one row group), decoded by Arrow's thread pool as pyarrow does by default; "row-groups-one-thread": the
# same on the calling thread only, as `dataset add` decodes (cheaper in CPU: the stricter baseline); "whole-file":
# iter_batches over the whole file with pyarrow's defaults, whose pre-buffering keeps every row group's column
# chunks read so far: resident memory grows to about the size of the columns in the file (2 GB for 20M COYO
# rows), and it costs more CPU.
BARE_READ = """
import sys, pyarrow.parquet as pq
path, columns, batch_rows, mode = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), sys.argv[4]
parquet, rows = pq.ParquetFile(path), 0
if mode.startswith("row-groups"):
    threads = mode == "row-groups"
    for group in range(parquet.num_row_groups):
        for batch in parquet.iter_batches(
            batch_size=batch_rows, columns=columns, row_groups=[group], use_threads=threads
        ):
            rows += batch.num_rows
else:
    for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
        rows += batch.num_rows
assert rows == parquet.metadata.num_rows
"""


def bare_read(path: Path, columns: list[str], log: Path, batch_rows: int, mode: str = "row-groups") -> dict[str, Any]:
    run = run_child([sys.executable, "-c", BARE_READ, str(path), ",".join(columns), str(batch_rows), mode],
                    {**os.environ}, log, log.parent)  # fmt: skip
    return {"columns": columns, "mode": mode, **asdict(run)}


def evaluate(matches: list[dict[str, Any]], planted: list[dict[str, Any]]) -> dict[str, Any]:
    """Recall and precision on the planted rows; matches of rows that were not planted are counted apart."""
    kinds_by_row: dict[str, set[str]] = {}
    works_by_row: dict[tuple[str, str], set[str | None]] = {}
    for m in matches:
        kinds_by_row.setdefault(str(m["row_id"]), set()).add(m["kind"])
        works_by_row.setdefault((str(m["row_id"]), m["kind"]), set()).add(m["work_sha256"])
    per_kind: dict[str, dict[str, int]] = {}
    missed, false_hits = [], []
    attributed = phash_found = 0
    for p in planted:
        stats = per_kind.setdefault(p["kind"], {"planted": 0, "found": 0, "lookalikes": 0, "lookalikes_matched": 0})
        found = kinds_by_row.get(p["row_id"], set())
        if p["expect"]:
            stats["planted"] += 1
            if p["kind"] in found:
                stats["found"] += 1
                if p["kind"] == "phash":
                    phash_found += 1
                    attributed += p["work_sha256"] in works_by_row[(p["row_id"], "phash")]
            else:
                missed.append({k: p[k] for k in ("row_id", "kind", "why", p["kind"]) if k in p})
        else:
            stats["lookalikes"] += 1
            if found:
                stats["lookalikes_matched"] += 1
                false_hits.append({**{k: p[k] for k in ("row_id", "kind", "why", p["kind"]) if k in p},
                                   "matched_as": sorted(found)})  # fmt: skip
    planted_ids = {p["row_id"] for p in planted}
    unplanted: dict[str, int] = {}
    for m in matches:
        if str(m["row_id"]) not in planted_ids:
            unplanted[m["kind"]] = unplanted.get(m["kind"], 0) + 1
    true_pos = sum(s["found"] for s in per_kind.values())
    positives = sum(s["planted"] for s in per_kind.values())
    false_pos = sum(s["lookalikes_matched"] for s in per_kind.values())
    return {
        "recall": true_pos / positives if positives else None,
        "precision": true_pos / (true_pos + false_pos) if true_pos + false_pos else None,
        "per_kind": per_kind, "missed": missed[:20], "lookalikes_matched": false_hits[:20],
        "phash_attributed_to_planted_work": attributed / phash_found if phash_found else None,
        "unplanted_matches": unplanted, "matches_total": len(matches),
    }  # fmt: skip


def match_key(m: dict[str, Any]) -> tuple[str, str, str, str]:
    return (str(m["row_id"]), m["kind"], str(m["work_sha256"]), str(m["distance"]))


def measure_add(
    tree: Tree, template: Path, work: Path, tag: str, shape: str, path: Path, rows: int, planted: list[dict[str, Any]]
) -> dict[str, Any]:
    """Copy the prepared data folder, `dataset add`, `dataset info`, `match --json`; figures and evaluation."""
    data_dir = work / f"data-{tag}"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    shutil.copytree(template, data_dir, symlinks=True)
    before, _ = disk_bytes(data_dir)
    name = f"bench-{shape}"
    log = work / f"{tag}.log"
    print(f"  [{tree.label}] dataset add {name} ({rows:,} rows) ...", flush=True)
    add = tree.run(data_dir, ["dataset", "add", name, "--schema", shape, "--from", str(path)], log)
    after, after_apparent = disk_bytes(data_dir)
    dataset_alloc, dataset_apparent = disk_bytes(data_dir / "datasets" / name)
    try:
        info = tree.output(data_dir, ["dataset", "info", name])
    except subprocess.CalledProcessError as exc:
        info = f"(dataset info failed: {exc.stderr})"
    print(f"  [{tree.label}] match ...", flush=True)
    match_json = work / f"{tag}.matches.json"
    match = tree.run(data_dir, ["match", "--json", str(match_json)], log)
    matches = [m for m in json.loads(match_json.read_text())["matches"] if m["dataset"] == name]
    return {
        "tree": tree.label, "commit": tree.commit, "dirty": tree.dirty, "rows": rows, "file": str(path),
        "add": asdict(add), "match": asdict(match),
        "rows_per_cpu_s": rows / add.cpu, "add_and_match_cpu": add.cpu + match.cpu,
        "disk": {"dataset_dir_bytes": dataset_alloc, "dataset_dir_apparent_bytes": dataset_apparent,
                 "data_dir_growth_bytes": after - before, "data_dir_apparent_bytes": after_apparent,
                 "bytes_per_row": dataset_alloc / rows, "growth_bytes_per_row": (after - before) / rows},
        "dataset_info": info.strip(), "evaluation": evaluate(matches, planted),
        "match_keys": sorted(match_key(m) for m in matches), "data_dir": str(data_dir),
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Report


def _mb(value: float) -> str:
    return f"{value / 1e6:,.0f} MB" if value >= 1e6 else f"{value / 1e3:,.0f} kB"


def _rate(value: float) -> str:
    return f"{value / 1e6:.2f}M" if value >= 1e6 else f"{value / 1e3:.0f}k"


def _line(
    label: str, run: dict[str, Any], rows: int, disk: float | None = None, ev: dict[str, Any] | None = None
) -> str:
    text = f"{label[:36]:36} {run['cpu']:8.2f} {run['wall']:8.2f} {_rate(rows / run['cpu']):>10}"
    text += f" {run['peak_rss_mb']:7.0f}MB"
    if disk is not None:
        text += f" {disk:10.1f}"
    if ev is not None:
        precision = ev["precision"] if ev["precision"] is not None else float("nan")
        text += f" {ev['recall']:7.3f} {precision:9.3f}"
    return text


def print_report(result: dict[str, Any]) -> None:
    shape, rows, file = result["shape"], result["rows"], result["file"]
    print(
        f"\n{shape}, {rows:,} rows, {result['works']:,} works; {file['bytes'] / 1e6:,.0f} MB Parquet"
        f" ({file['bytes'] / rows:.0f} B/row), {file['row_groups']} row groups; load avg {result['load']}"
    )
    print(f"{'':36} {'CPU s':>8} {'wall s':>8} {'rows/CPU-s':>10} {'peak RSS':>9} {'disk B/row':>10}", end="")
    print(f" {'recall':>7} {'precision':>9}")
    print(_line("bare read, match columns", result["bare_read"], rows))
    print(_line("bare read, mapped columns", result["bare_read_mapped"], rows))
    if "bare_read_mapped_one_thread" in result:
        print(_line("bare read, mapped columns, one thread", result["bare_read_mapped_one_thread"], rows))
    print(_line("bare read, match col., whole file", result["bare_read_whole_file"], rows))
    for run in (result["add"], result.get("baseline"), result.get("new_on_baseline_rows")):
        if run:
            tag = f"{run['tree']} ({run['rows']:,} rows)" if run["rows"] != rows else run["tree"]
            print(_line(f"add: {tag}", run["add"], run["rows"], run["disk"]["bytes_per_row"], run["evaluation"]))
            print(_line(f"  then match: {run['tree']}", run["match"], run["rows"]))
    add = result["add"]
    one_thread = result.get("bare_read_mapped_one_thread")
    print(
        f"add / bare read (CPU): {result['ratio_add_to_bare_read']:.1f}x (match columns),"
        f" {add['add']['cpu'] / result['bare_read_mapped']['cpu']:.1f}x (mapped columns)"
        + (f", {add['add']['cpu'] / one_thread['cpu']:.1f}x (mapped, one thread);" if one_thread else ";")
        + f" add + match {add['add_and_match_cpu']:.2f} CPU s;"
        f" CLI start-up {result['cli_startup']['cpu']:.2f} CPU s, python + pyarrow"
        f" {result['python_pyarrow_startup']['cpu']:.2f}"
    )
    for step, figures in result.get("rounds_cpu", {}).items():
        print(f"  rounds, CPU s: {step} {figures}")
    ev = add["evaluation"]
    kinds = ", ".join(
        f"{k} {s['found']}/{s['planted']} (look-alikes matched {s['lookalikes_matched']}/{s['lookalikes']})"
        for k, s in ev["per_kind"].items()
    )
    attributed = ev["phash_attributed_to_planted_work"]
    print(
        f"planted: {kinds}; unplanted matches {ev['unplanted_matches'] or 0}"
        + (f"; pHash hits attributed to the planted work {attributed:.3f}" if attributed is not None else "")
    )
    for entry in ev["missed"][:5]:
        print(f"  missed: {entry}")
    for entry in ev["lookalikes_matched"][:5]:
        print(f"  look-alike matched: {entry}")
    disk = add["disk"]
    print(
        f"disk: datasets/bench-{shape} {_mb(disk['dataset_dir_bytes'])} ({disk['bytes_per_row']:.1f} B/row);"
        f" data folder grew {_mb(disk['data_dir_growth_bytes'])} ({disk['growth_bytes_per_row']:.1f} B/row)"
    )
    if "baseline" in result:
        cmp = result["comparison"]
        disk_ratio = f"{cmp['disk_ratio']:.1f}x" if cmp["disk_ratio"] else "inf"
        print(
            f"vs baseline {result['baseline']['commit'][:10]} (per row): {cmp['speedup_cpu_per_row']:.1f}x less CPU"
            f" (add), {cmp['speedup_add_and_match_per_row']:.1f}x (add + match); {disk_ratio} less disk;"
            f" identical matches on the same file: {cmp['identical_matches']}"
            f" ({cmp['only_new']} only in the tree, {cmp['only_baseline']} only in the baseline)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), required=True)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--works", type=int, default=1000)
    parser.add_argument("--plant", type=int, default=100, help="planted rows per kind (and half as many look-alikes)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--group-rows", type=int, default=GROUP_ROWS, help="Parquet row group size")
    parser.add_argument("--read-batch-rows", type=int, default=READ_BATCH_ROWS, help="batch size of the bare read")
    parser.add_argument("--extra-columns", action=argparse.BooleanOptionalAction, default=None,
                        help="columns no match kind reads (default: on for laion, off otherwise)")  # fmt: skip
    parser.add_argument("--cache", type=Path, default=None, help="generated portfolio and Parquet (default: temp)")
    parser.add_argument("--tree", type=Path, default=REPO, help="source tree measured (default: this one)")
    parser.add_argument("--baseline-commit", help="also measure this commit's importer (git worktree, same venv)")
    parser.add_argument("--baseline-rows", type=int, default=None, help="rows for the baseline (default min(N, 2M))")
    parser.add_argument("--keep", type=Path, default=None, help="keep data folders, logs and match JSON here")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of each timed step, interleaved; each figure: its least-CPU round"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tt-bench-add-") as scratch:
        cache = (args.cache or Path(scratch) / "cache").resolve()
        work = (args.keep or Path(scratch) / "work").resolve()
        cache.mkdir(parents=True, exist_ok=True)
        work.mkdir(parents=True, exist_ok=True)
        shape = SHAPES[args.shape]
        tree = Tree(args.tree.resolve(), "tree")
        tree.check_imports()
        print(f"tree {tree.root} @ {tree.commit[:10]}{' (modified)' if tree.dirty else ''}; cache {cache}; work {work}")
        portfolio = ensure_portfolio(cache, args.works, args.seed)
        works, scan = prepare_data_dir(tree, work / "template-tree", portfolio, work / "prepare-tree.log")
        print(f"  scanned {len(works)} works: {scan.cpu:.1f} CPU s, {scan.wall:.1f} s")
        path, planted = ensure_dataset(cache, args.shape, args.rows, works, portfolio, args)
        metadata = pq.ParquetFile(path).metadata
        result: dict[str, Any] = {
            "shape": args.shape, "rows": args.rows, "works": len(works), "cpu_count": os.cpu_count(),
            "file": {"path": str(path), "bytes": path.stat().st_size, "row_groups": metadata.num_row_groups,
                     "columns": pq.ParquetFile(path).schema_arrow.names},
            "planted_rows": len(planted), "profile": PROFILE, "scan": asdict(scan),
        }  # fmt: skip
        print("  bare reads ...", flush=True)
        bare_read(path, shape.mapped_columns(), work / "bare-read.log", args.read_batch_rows)  # warm-up, untimed
        result["python_pyarrow_startup"] = asdict(
            run_child([sys.executable, "-c", "import pyarrow.parquet"], {**os.environ}, work / "bare-read.log", work)
        )
        rounds = [measure_round(tree, work, shape, args, path, planted) for _ in range(args.repeat)]
        for key in rounds[0]:
            result[key] = min((r[key] for r in rounds), key=_cpu)
        if args.repeat > 1:
            result["rounds_cpu"] = {key: [round(_cpu(r[key]), 2) for r in rounds] for key in rounds[0]}
        result["ratio_add_to_bare_read"] = result["add"]["add"]["cpu"] / result["bare_read"]["cpu"]
        if args.baseline_commit:
            result.update(run_baseline(args, tree, cache, work, portfolio, result["add"]))
        result["load"] = [round(x, 1) for x in os.getloadavg()]
        print_report(result)
        if args.out:
            args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
            print(f"wrote {args.out}")


def measure_round(
    tree: Tree, work: Path, shape: Any, args: argparse.Namespace, path: Path, planted: list[dict[str, Any]]
) -> dict[str, Any]:
    """One round of every timed step: the bare reads, CLI start-up, then the add (and its match)."""
    batch_rows = args.read_batch_rows
    log = work / "bare-read.log"
    return {
        "bare_read": bare_read(path, shape.match_columns(), log, batch_rows),
        "bare_read_whole_file": bare_read(path, shape.match_columns(), log, batch_rows, "whole-file"),
        "bare_read_mapped": bare_read(path, shape.mapped_columns(), log, batch_rows),
        "bare_read_mapped_one_thread": bare_read(
            path, shape.mapped_columns(), log, batch_rows, "row-groups-one-thread"
        ),
        "cli_startup": asdict(tree.run(work / "startup", ["--version"], work / "startup.log")),
        "add": measure_add(tree, work / "template-tree", work, "tree", args.shape, path, args.rows, planted),
    }


def _cpu(figures: dict[str, Any]) -> float:
    """CPU seconds of a timed step (a bare read or start-up), or of an add's `dataset add`."""
    return float(figures["add"]["cpu"] if "add" in figures else figures["cpu"])


def run_baseline(
    args: argparse.Namespace, tree: Tree, cache: Path, work: Path, portfolio: Path, new_add: dict[str, Any]
) -> dict[str, Any]:
    """Today's importer (or any commit's) from a git worktree; the tree under test is also run on the baseline's
    file when it has fewer rows, so the two sets of matches are compared on the same rows."""
    rows = args.baseline_rows or min(args.rows, 2_000_000)
    checkout = work / "baseline-tree"
    git = ["git", "-C", str(tree.root), "worktree"]
    if checkout.exists():
        subprocess.run([*git, "remove", "--force", str(checkout)], check=False)
    # --force: a checkout left registered by an earlier --keep run whose folder was since deleted is reused
    subprocess.run([*git, "add", "--force", "--detach", str(checkout), args.baseline_commit], check=True)
    try:
        base = Tree(checkout, "baseline")
        base.check_imports()
        works, _ = prepare_data_dir(base, work / "template-baseline", portfolio, work / "prepare-baseline.log")
        path, planted = ensure_dataset(cache, args.shape, rows, works, portfolio, args)
        baseline = measure_add(base, work / "template-baseline", work, "baseline", args.shape, path, rows, planted)
    finally:
        if args.keep is None:
            subprocess.run([*git, "remove", "--force", str(checkout)], check=False)
    out: dict[str, Any] = {"baseline_rows": rows, "baseline": baseline}
    same_file = new_add
    if rows != args.rows:
        same_file = out["new_on_baseline_rows"] = measure_add(
            tree, work / "template-tree", work, "tree-on-baseline-file", args.shape, path, rows, planted
        )
    new_keys = {tuple(k) for k in same_file["match_keys"]}
    base_keys = {tuple(k) for k in baseline["match_keys"]}
    new_per_row = new_add["add"]["cpu"] / args.rows
    new_disk = new_add["disk"]["bytes_per_row"]
    out["comparison"] = {
        "speedup_cpu_per_row": baseline["add"]["cpu"] / rows / new_per_row,
        "speedup_add_and_match_per_row": (baseline["add_and_match_cpu"] / rows)
        / (new_add["add_and_match_cpu"] / args.rows),
        "disk_ratio": baseline["disk"]["bytes_per_row"] / new_disk if new_disk else None,
        "identical_matches": new_keys == base_keys,
        "only_new": len(new_keys - base_keys), "only_baseline": len(base_keys - new_keys),
        "examples_only_new": sorted(new_keys - base_keys)[:10],
        "examples_only_baseline": sorted(base_keys - new_keys)[:10],
    }  # fmt: skip
    return out


if __name__ == "__main__":
    main()
