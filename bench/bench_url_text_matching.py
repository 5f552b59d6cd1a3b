"""Throughput of URL host/registrable-domain extraction and caption normalisation, each beside a naive baseline.

Run: /work/venv/bin/python bench/bench_url_text_matching.py [rows]

URLs are LAION-like: hosts drawn from a Zipf distribution over many distinct hosts (a few CDNs hold most rows,
a long tail of small sites), with some IDN hosts, ports and userinfo. Figures are printed, never asserted.
"""

from __future__ import annotations

import random
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from urllib.parse import urlsplit

import pyarrow as pa
import tldextract

from core.matching.text import TextMatcher, fts_document
from core.matching.urls import DomainExtractor, UrlMatcher
from core.profile import Profile

PROFILE = Profile(
    name="Ada Okonkwo-Lindqvist",
    aliases=("Okli", "Zoë Ørsted"),
    domains=("okonkwo-lindqvist.art",),
    handles=("@name.ok",),
    url_prefixes=("https://www.artstation.com/okonkwo",),
)
TLDS = ["com", "net", "org", "co.uk", "de", "fr", "jp", "com.br", "ru", "art", "io", "blogspot.com", "xn--p1ai"]


def make_urls(rows: int, distinct_hosts: int, rng: random.Random) -> list[str]:
    hosts = []
    for index in range(distinct_hosts):
        label = f"site{index}" if index % 50 else f"künstler{index}"
        sub = rng.choice(["", "www.", "img.", "cdn.static.", "i0."])
        hosts.append(f"{sub}{label}.{rng.choice(TLDS)}")
    weights = [1 / (rank + 1) for rank in range(distinct_hosts)]
    chosen = rng.choices(hosts, weights=weights, k=rows)
    urls = []
    for index, host in enumerate(chosen):
        authority = host if index % 97 else f"user@{host}:8080"
        urls.append(f"https://{authority}/images/{index % 1000}/{rng.getrandbits(40):x}.jpg?w=640")
    return urls


def timed(label: str, rows: int, work: Callable[[], object]) -> float:
    """Rows per CPU-second of this process (robust on a shared machine), wall-clock rate beside it."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    rate = rows / (time.process_time() - cpu)
    print(f"  {label:<58} {rate:>12,.0f} rows/cpu-s  ({rows / (time.perf_counter() - wall):,.0f} rows/s wall)")
    return rate


def naive_host_domain(urls: list[str]) -> None:
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    for url in urls:
        host = urlsplit(url).hostname or ""
        _ = extract.extract_str(host).top_domain_under_public_suffix


def bench_urls(rows: int) -> None:
    rng = random.Random(7)
    urls = make_urls(rows, distinct_hosts=max(1000, rows // 10), rng=rng)
    print(
        f"URL hosts + registrable domains, {rows:,} rows, {len(set(map(lambda u: urlsplit(u).hostname, urls))):,} hosts"
    )
    arrow = pa.array(urls)
    batch = 65_536

    def project_arrow() -> None:
        extractor = DomainExtractor()  # cold cache, as on a fresh import
        for offset in range(0, rows, batch):
            extractor.of_arrow(arrow.slice(offset, batch))

    ours = timed("project: DomainExtractor.of_arrow, 64k-row batches, cold", rows, project_arrow)
    warm = DomainExtractor()
    warm.of_arrow(arrow)
    timed("project: of_arrow, hosts already seen (cache warm)", rows, lambda: warm.of_arrow(arrow))
    timed("project: DomainExtractor.of_urls (Python list), cold", rows, lambda: DomainExtractor().of_urls(urls))
    sample = urls[: max(rows // 10, 1)]
    base = timed("baseline: urlsplit().hostname + tldextract per URL", len(sample), lambda: naive_host_domain(sample))
    print(f"  ratio (project arrow / baseline): {ours / base:.1f}x")

    matcher = UrlMatcher(PROFILE)
    timed("project: UrlMatcher.match per URL (verification step)", rows, lambda: matcher.match_many(urls))


def make_captions(rows: int, rng: random.Random) -> list[str]:
    words = ["sunset", "portrait", "oil", "on", "canvas", "Lagos", "study", "by", "woman", "blue", "café", "été"]
    mentions = ["Ada Okonkwo–Lindqvist", "#AdaOkonkwoLindqvist", "@name.ok", "ZOË ØRSTED"]
    captions = []
    for _ in range(rows):
        text = [rng.choice(words) for _ in range(rng.randint(3, 14))]
        if rng.random() < 0.01:
            text.insert(rng.randint(0, len(text)), rng.choice(mentions))
        captions.append(" ".join(text))
    return captions


def naive_find(captions: list[str]) -> None:
    patterns = [re.compile(r"\bada[\s\-]+okonkwo[\s\-]+lindqvist\b"), re.compile(r"\bokli\b"), re.compile("name\\.ok")]
    for caption in captions:
        folded = "".join(c for c in unicodedata.normalize("NFKD", caption.casefold()) if not unicodedata.combining(c))
        any(pattern.search(folded) for pattern in patterns)


def bench_text(rows: int) -> None:
    captions = make_captions(rows, random.Random(11))
    ascii_share = sum(caption.isascii() for caption in captions) / rows
    print(f"Captions, {rows:,} rows ({ascii_share:.0%} ASCII)")
    matcher = TextMatcher(PROFILE)
    ours = timed("project: TextMatcher.matches", rows, lambda: [matcher.matches(c) for c in captions])
    base = timed("baseline: NFKD+casefold+strip marks, 3 regexes", rows, lambda: naive_find(captions))
    print(f"  ratio (project / baseline): {ours / base:.1f}x")
    timed("project: TextMatcher.find", rows, lambda: [matcher.find(c) for c in captions])
    timed("project: fts_document (what the FTS5 index stores)", rows, lambda: [fts_document(c) for c in captions])


if __name__ == "__main__":
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    bench_urls(total)
    bench_text(total // 5)
