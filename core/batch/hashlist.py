"""The portable hash list: what someone else needs to match a portfolio, and nothing of its images.

One Parquet file per portfolio (format in README.md, "Hash lists"): a row per work with its id, file name (no
folder), SHA-256, reference pHash, the canonical variants' names and pHashes, its width and height (the
score compares them with a row's) and how many of its pHash's bits a copy keeps (a plain work is not matched by
pHash); the file's key-value metadata `traintrace.hash_list` holds the owner label and the profile fields URL and
caption matching use (name, aliases, handles, domains, URL prefixes, work titles). It is written uncompressed and
without dictionary pages, so every string in it can be read in the file as it is (anyone can check with `strings`
that no path or picture is in it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from core import __version__
from core.errors import UsageError
from core.matching.records import WorkQuery
from core.profile import Profile

FORMAT = 1
METADATA_KEY = b"traintrace.hash_list"
PROFILE_FIELDS = ("name", "aliases", "handles", "domains", "url_prefixes", "titles")
_VARIANT = pa.struct([("name", pa.string()), ("phash", pa.string())])
SCHEMA = pa.schema(
    [
        ("work_id", pa.int64()),
        ("file_name", pa.string()),
        ("sha256", pa.string()),
        ("phash", pa.string()),
        ("variants", pa.list_(_VARIANT)),
        ("width", pa.int32()),
        ("height", pa.int32()),
    ]
)
# Written since variant set 2 and read when present (older lists lack it: their works count as informative).
OPTIONAL_FIELDS = [pa.field("informative_bits", pa.int32())]
MAX_OWNER_LENGTH = 100


@dataclass(frozen=True)
class HashList:
    """One owner's portfolio as hashes, and the public parts of their profile."""

    owner: str
    profile: Profile
    works: tuple[WorkQuery, ...]

    @property
    def variant_count(self) -> int:
        return sum(len(work.phashes) - 1 for work in self.works)

    def describe(self) -> list[str]:
        """What the file holds, in plain words (printed before it is written)."""
        p = self.profile
        return [
            f"owner label: {self.owner}",
            f"{len(self.works)} works: id, file name (no folder), SHA-256, pHash, width and height",
            f"{self.variant_count} variant pHashes with their names ({_per_work(self)})",
            f"profile: name {p.name or '-'}; {len(p.aliases)} aliases, {len(p.handles)} handles,"
            f" {len(p.domains)} domains, {len(p.url_prefixes)} URL prefixes",
            "no image, thumbnail, folder or path; no e-mail address",
        ]


def _per_work(hash_list: HashList) -> str:
    return f"{hash_list.variant_count / len(hash_list.works):.1f} a work" if hash_list.works else "no works"


def check_owner(owner: str) -> str:
    label = owner.strip()
    if not label or len(label) > MAX_OWNER_LENGTH or not label.isprintable():
        raise UsageError(f"owner label {owner!r}: give 1 to {MAX_OWNER_LENGTH} printable characters")
    return label


def public_profile(profile: Profile) -> Profile:
    """The profile fields matching uses; the e-mail address stays home."""
    return Profile(profile.name, profile.aliases, profile.domains, profile.handles, profile.url_prefixes, "",
                   profile.titles)  # fmt: skip


def write_hash_list(path: Path, hash_list: HashList) -> None:
    """Write atomically (a temporary file beside it, then renamed)."""
    works = hash_list.works
    columns = {
        "work_id": [work.work_id for work in works],
        "file_name": [os.path.basename(work.file_name) for work in works],
        "sha256": [work.sha256 for work in works],
        "phash": [f"{dict(work.phashes)['original']:016x}" for work in works],
        "variants": [
            [{"name": name, "phash": f"{value:016x}"} for name, value in work.phashes if name != "original"]
            for work in works
        ],
        "width": [work.size[0] if work.size else None for work in works],
        "height": [work.size[1] if work.size else None for work in works],
        "informative_bits": [work.informative_bits for work in works],
    }
    profile = {name: getattr(hash_list.profile, name) for name in PROFILE_FIELDS}
    meta = {"format": FORMAT, "owner": hash_list.owner, "profile": profile, "tool": f"traintrace {__version__}"}
    schema = pa.schema([*SCHEMA, *OPTIONAL_FIELDS])
    table = pa.table(columns, schema=schema).replace_schema_metadata({METADATA_KEY: json.dumps(meta).encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    pq.write_table(table, temp, compression="NONE", use_dictionary=False, write_statistics=False)
    os.replace(temp, path)


def read_hash_list(path: Path) -> HashList:
    """Read and check one hash list; a file that is not one says why."""
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise UsageError(f"{path} is not a readable hash list: {exc}") from exc
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    missing = [name for name in SCHEMA.names if name not in table.column_names]
    if raw is None or missing:
        raise UsageError(f"{path} is not a TrainTrace hash list (no {METADATA_KEY.decode()} metadata or columns)")
    meta = json.loads(raw)
    if meta.get("format") != FORMAT:
        raise UsageError(f"{path}: hash list format {meta.get('format')!r}; this version reads format {FORMAT}")
    names = [*SCHEMA.names, *(f.name for f in OPTIONAL_FIELDS if f.name in table.column_names)]
    works = tuple(_work(row, path) for row in table.select(names).to_pylist())
    return HashList(check_owner(str(meta.get("owner", ""))), Profile.from_json(meta.get("profile") or {}), works)


def _work(row: dict[str, object], path: Path) -> WorkQuery:
    try:
        variants = [(str(v["name"]), int(str(v["phash"]), 16)) for v in row["variants"] or []]  # type: ignore[attr-defined]
        sha = str(row["sha256"]).lower()
        bytes.fromhex(sha)
        if len(sha) != 64:
            raise ValueError(sha)
        width, height = row["width"], row["height"]
        size = (int(width), int(height)) if isinstance(width, int) and isinstance(height, int) else None
        phashes = (("original", int(str(row["phash"]), 16)), *variants)
        bits = row.get("informative_bits")
        informative = int(bits) if isinstance(bits, int) else None
        return WorkQuery(int(row["work_id"]), str(row["file_name"]), sha, phashes, size, informative)  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path}: a malformed work entry ({exc})") from exc


def read_hash_lists(paths: Sequence[Path]) -> list[HashList]:
    """Hash lists from files and folders (every *.parquet in a folder, sorted); owner labels must be unique."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.parquet"))
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"no such hash list or folder: {path}")
    if not files:
        raise UsageError("no hash list found (*.parquet files written by `traintrace scan --export-hashes`)")
    lists = [read_hash_list(file) for file in files]
    seen: dict[str, Path] = {}
    for file, hash_list in zip(files, lists, strict=True):
        if hash_list.owner in seen:
            raise UsageError(f"owner {hash_list.owner!r} is in both {seen[hash_list.owner]} and {file}")
        seen[hash_list.owner] = file
    return lists
