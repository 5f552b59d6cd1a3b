"""Datasette source against a real `datasette serve` process over an FTS-enabled table built here."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests

from core.net import HttpClient
from core.sources import DatasetteSource, SourceConfig, SourceQuery
from core.sources.datasette import PAGE_SIZE
from tests.net.servers import free_port
from tests.sources.helpers import FAST, PROFILE

DATASETTE = shutil.which("datasette") or str(Path(sys.executable).with_name("datasette"))
pytestmark = [
    pytest.mark.integration,  # a real `datasette serve` process
    pytest.mark.skipif(not Path(DATASETTE).exists(), reason="datasette is not installed"),
]

NAME_ROWS = 230  # more than two pages of PAGE_SIZE


def _build(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE images (id INTEGER PRIMARY KEY, url TEXT, text TEXT)")
        rows = [
            (f"https://okonkwo-lindqvist.art/w/{n}.jpg", f"Study {n} by Ada Okonkwo-Lindqvist")
            for n in range(NAME_ROWS)
        ]
        rows += [
            ("https://okonkwo-lindqvist.art.fake.net/copy.jpg", "a look-alike domain"),
            ("https://www.artstation.com/adaok/art/1", "work in progress by @adaok"),
            ("https://x.org/ada.jpg", "Ada Lovelace, engraving"),
            ("https://x.org/cat.jpg", "a cat"),
        ]
        conn.executemany("INSERT INTO images (url, text) VALUES (?, ?)", rows)
        conn.execute("CREATE VIRTUAL TABLE [images_fts] USING FTS5 ([text], content=[images])")
        conn.execute("INSERT INTO images_fts (rowid, text) SELECT id, text FROM images")
        conn.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, url TEXT, text TEXT)")
        conn.executemany("INSERT INTO plain (url, text) VALUES (?, ?)", rows[-2:])


@pytest.fixture(scope="module")
def datasette_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("datasette") / "laion.db"
    _build(db)
    port = free_port()
    process = subprocess.Popen(
        [DATASETTE, "serve", str(db), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("datasette exited before answering")
        try:
            if requests.get(f"{base}/-/versions.json", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("datasette did not answer within 30 s")


class RecordingClient(HttpClient):
    """The real client, keeping a list of what it sent (the Datasette process cannot record for us)."""

    def __init__(self) -> None:
        super().__init__(replace(FAST, timeout=15.0, read_timeout=10.0))  # datasette's first 404 takes ~2 s
        self.sent: list[tuple[str, str, dict[str, str | int]]] = []

    def request(self, method: str, url: str, **kwargs):  # type: ignore[no-untyped-def, override]
        self.sent.append((method, url, dict(kwargs.get("params") or {})))
        return super().request(method, url, **kwargs)


@pytest.fixture
def client() -> Iterator[RecordingClient]:
    with RecordingClient() as http:
        yield http


def _source(base: str, table: str = "laion/images") -> DatasetteSource:
    return DatasetteSource(SourceConfig(url=base, table=table))


def test_names_are_searched_with_fts_and_paged(datasette_url: str, client: RecordingClient) -> None:
    query = SourceQuery(profile=PROFILE.__class__(name="Ada Okonkwo-Lindqvist"))
    result = _source(datasette_url).search(query, client)
    assert result.status == "ok" and result.coverage == "full"
    assert len(result.hits) == NAME_ROWS
    assert {hit.kind for hit in result.hits} == {"text"}
    assert len({hit.row_id for hit in result.hits}) == NAME_ROWS
    pages = [params for _method, _url, params in client.sent]
    assert len(pages) == -(-NAME_ROWS // PAGE_SIZE)
    assert "_next" not in pages[0] and all("_next" in page for page in pages[1:])


def test_domains_and_prefixes_use_like_then_exact_host_check(datasette_url: str, client: RecordingClient) -> None:
    profile = PROFILE.__class__(domains=("okonkwo-lindqvist.art",), url_prefixes=("https://www.artstation.com/adaok",))
    result = _source(datasette_url).search(SourceQuery(profile=profile), client)
    urls = {hit.url for hit in result.hits}
    assert "https://okonkwo-lindqvist.art.fake.net/copy.jpg" not in urls  # LIKE found it, the host check dropped it
    assert "https://www.artstation.com/adaok/art/1" in urls
    assert len(urls) == NAME_ROWS + 1
    assert {params.get("url__like") for _m, _u, params in client.sent} >= {
        "%okonkwo-lindqvist.art%",
        "%www.artstation.com/adaok%",
    }


def test_handles_and_partial_names_are_verified(datasette_url: str, client: RecordingClient) -> None:
    query = SourceQuery(profile=PROFILE.__class__(name="Ada Okonkwo-Lindqvist", handles=("@adaok",)))
    result = _source(datasette_url).search(query, client)
    captions = {hit.caption for hit in result.hits}
    assert "work in progress by @adaok" in captions
    assert "Ada Lovelace, engraving" not in captions


def test_a_table_without_full_text_search_gives_no_false_hits(datasette_url: str, client: RecordingClient) -> None:
    # Datasette ignores _search on a table without FTS and returns every row: the local check keeps none.
    result = _source(datasette_url, "laion/plain").search(
        SourceQuery(profile=PROFILE.__class__(name="Ada Okonkwo")), client
    )
    assert result.status == "ok" and result.hits == ()


def test_a_missing_table_is_unavailable_with_the_servers_reason(datasette_url: str, client: RecordingClient) -> None:
    query = SourceQuery(profile=PROFILE.__class__(name="Ada Okonkwo-Lindqvist"))
    result = _source(datasette_url, "laion/nope").search(query, client)
    assert result.status == "unavailable"
    assert "404" in result.error and "Table not found" in result.error


def test_check_reads_one_row(datasette_url: str, client: RecordingClient) -> None:
    result = _source(datasette_url).check(client)
    assert result.status == "ok"
    assert [parse_qs(f"_size={p['_size']}") for _m, _u, p in client.sent] == [{"_size": ["1"]}]


def test_real_response_shape_has_next_token(datasette_url: str) -> None:
    """Pin the shape the source relies on, from the real server (not from memory)."""
    payload = requests.get(
        f"{datasette_url}/laion/images.json", params={"_shape": "objects", "_size": "2"}, timeout=5
    ).json()
    assert isinstance(payload["rows"], list) and isinstance(payload["rows"][0], dict)
    assert payload["primary_keys"] == ["id"] and payload["next"] == "2"
