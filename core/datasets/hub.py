"""The Hugging Face Hub's API, as far as adding a dataset needs it: which commit a revision is, and which files
(with their sizes and SHA-256) a repository holds at that commit.

A branch such as `main` moves; a commit does not. So the shards of a Hub dataset are read at the commit the
revision pointed to when the dataset was added (`hf://datasets/OWNER/NAME@COMMIT/PATH`), and the evidence report
can name that commit and each file's SHA-256. The SHA-256 is the Hub's own: a Parquet file on the Hub is a Git
LFS object, whose object id is the SHA-256 of the file's bytes (the tree listing gives it as `lfs.oid`).

API (public, answered without a token for public repositories):
- `GET {hub}/api/datasets/{repo}/revision/{revision}` -> `{"sha": "<40 hex>", ...}`;
- `GET {hub}/api/datasets/{repo}/tree/{revision}[/{folder}][?recursive=true]` -> a page of
  `{"type": "file", "path": ..., "size": n, "lfs": {"oid": "<sha256>", "size": n}}`, the next page in `Link`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from core.datasets.descriptors import HubLocation
from core.datasets.shards import HUB_BASE
from core.errors import UsageError
from core.net.errors import MalformedResponse
from core.net.http import HttpClient

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_HF_SOURCE = re.compile(r"^hf://datasets/(?P<repo>[^/@]+/[^/@]+)(?:@(?P<revision>[^/]+))?/(?P<path>.+)$")


@dataclass(frozen=True)
class HubFile:
    """One file of a Hub dataset repository at a commit, as the Hub describes it."""

    repo: str
    revision: str  # what was asked for ("main", a tag, or the commit itself)
    commit: str  # the 40-hex commit that revision pointed to
    path: str  # inside the repository
    size: int | None
    sha256: str | None  # the Git LFS object id (SHA-256 of the bytes); None for a file not stored in LFS

    @property
    def source(self) -> str:
        return f"hf://datasets/{self.repo}@{self.commit}/{self.path}"

    def download_url(self, hub_base: str = HUB_BASE) -> str:
        return f"{hub_base}/datasets/{self.repo}/resolve/{self.commit}/{quote(self.path)}"


@dataclass(frozen=True)
class HubSource:
    """The parts of an hf://datasets/OWNER/NAME[@REVISION]/PATH source."""

    repo: str
    revision: str
    path: str

    @property
    def pinned(self) -> bool:
        return bool(_COMMIT.match(self.revision))


def parse_hf_source(source: str) -> HubSource | None:
    found = _HF_SOURCE.match(source)
    if found is None:
        return None
    return HubSource(found["repo"], found["revision"] or "main", found["path"])


class HubApi:
    def __init__(self, client: HttpClient, token: str | None, hub_base: str = HUB_BASE) -> None:
        self._client = client
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._base = hub_base
        self._commits: dict[tuple[str, str], str] = {}

    def commit(self, repo: str, revision: str) -> str:
        """The commit `revision` of the dataset repository `repo` points to now."""
        if _COMMIT.match(revision):
            return revision
        key = (repo, revision)
        if key not in self._commits:
            url = f"{self._base}/api/datasets/{repo}/revision/{quote(revision, safe='')}"
            sha = self._client.request("GET", url, headers=self._headers, use_cache=False).json()
            sha = sha.get("sha") if isinstance(sha, dict) else None
            if not isinstance(sha, str) or not _COMMIT.match(sha):
                raise MalformedResponse(f"the Hub did not name the commit of {repo}@{revision}")
            self._commits[key] = sha
        return self._commits[key]

    def files(self, repo: str, revision: str, folder: str = "", recursive: bool = True) -> list[HubFile]:
        """The files under `folder` of `repo` at the commit `revision` points to (read once, at that commit)."""
        commit = self.commit(repo, revision)
        where = f"/{quote(folder)}" if folder else ""
        url: str | None = f"{self._base}/api/datasets/{repo}/tree/{commit}{where}" + (
            "?recursive=true" if recursive else ""
        )
        found: list[HubFile] = []
        while url:
            response = self._client.request("GET", url, headers=self._headers, use_cache=False)
            entries = response.json()
            if not isinstance(entries, list):
                raise MalformedResponse(f"the Hub's file list of {repo} is not a list")
            found += [_hub_file(repo, revision, commit, entry) for entry in entries if _is_file(entry)]
            url = _next_link(response.header("link"))
        return found

    def describe(self, sources: Iterable[str]) -> dict[str, HubFile]:
        """Each hf:// source among `sources` as the Hub describes it, pinned to a commit (one listing per
        folder). A source whose file the Hub does not list is left out."""
        wanted: dict[tuple[str, str, str], list[tuple[str, HubSource]]] = {}
        for source in sources:
            parsed = parse_hf_source(source)
            if parsed is not None:
                folder = parsed.path.rsplit("/", 1)[0] if "/" in parsed.path else ""
                wanted.setdefault((parsed.repo, parsed.revision, folder), []).append((source, parsed))
        described: dict[str, HubFile] = {}
        for (repo, revision, folder), items in wanted.items():
            listed = {file.path: file for file in self.files(repo, revision, folder, recursive=False)}
            for source, parsed in items:
                if parsed.path in listed:
                    described[source] = listed[parsed.path]
        return described


def _is_file(entry: object) -> bool:
    return isinstance(entry, dict) and entry.get("type") == "file" and isinstance(entry.get("path"), str)


def _hub_file(repo: str, revision: str, commit: str, entry: dict[str, object]) -> HubFile:
    lfs = entry.get("lfs")
    sha256 = lfs.get("oid") if isinstance(lfs, dict) else None
    size = entry.get("size")
    return HubFile(
        repo, revision, commit, str(entry["path"]), size if isinstance(size, int) else None,
        sha256 if isinstance(sha256, str) and re.fullmatch(r"[0-9a-f]{64}", sha256) else None,
    )  # fmt: skip


def list_hub_shards(api: HubApi, hub: HubLocation) -> list[HubFile]:
    """The files of a Hub dataset repository that match `hub.pattern`, at the commit its revision is now, sorted."""
    files = [file for file in api.files(hub.repo, hub.revision) if fnmatch.fnmatch(file.path, hub.pattern)]
    if not files:
        raise UsageError(f"no file in {hub.repo}@{hub.revision} matches {hub.pattern!r}")
    return sorted(files, key=lambda file: file.path)


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        if 'rel="next"' in part and "<" in part:
            return part[part.index("<") + 1 : part.index(">")]
    return None
