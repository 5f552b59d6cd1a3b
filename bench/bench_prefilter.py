"""URL and caption prefilter on a LAION-shaped Parquet file, beside the bare decode and the naive per-row matchers.

Run: ``python -m bench.bench_prefilter [--rows 4000000] [--sample 200000] [--batch 65536] [--keep FILE]``

Writes a LAION-shaped file (SAMPLE_ID, URL, TEXT; snappy, 1M-row row groups; every value distinct, as in LAION)
with realistic URL shapes (image CDNs, shops, WordPress uploads, Wikimedia with percent-encoded names, a few IDN
hosts in Unicode, capitals, ports and userinfo) and captions (log-normal lengths around LAION-en's, about 10 %
with non-ASCII characters: typographic quotes and dashes, accented words, symbols, emoji, CJK, Cyrillic), with
the sample artist's URL and caption hits and look-alikes planted at about 1 in 100,000 rows. Then, in CPU seconds
of this process per million rows (all threads; wall-clock beside it):

- (a) the bare decode of URL+TEXT, record batch by record batch (one thread);
- (b) the prefilter (`ProfilePrefilter.url_candidates` + `text_candidates`) on those batches, and its candidate
  rate; then the whole pass: decode, prefilter, exact matchers on the candidates only;
- (c) the naive baseline: the exact matchers (`UrlMatcher.match`, `TextMatcher.find`) on every row, timed on the
  first ``--sample`` rows and scaled; on that sample both paths must accept the same rows.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench import captions as vocab
from bench.sample_datasets import TEXT_LOOKALIKES, TEXT_POSITIVES, URL_LOOKALIKES, URL_POSITIVES
from core.matching.prefilter import ProfilePrefilter
from core.profile import Profile

PROFILE_PATH = Path(__file__).resolve().parents[1] / "resources" / "sample_portfolio" / "profile.json"
T = TypeVar("T")

_SYLLABLES = (
    "ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "de", "an", "ber", "con", "dar", "el", "fin", "gar", "hol",
    "in", "jor", "ket", "lan", "mor", "nor", "ost", "per", "quin", "ros", "sten", "tri", "ul", "ven", "wes",
)  # fmt: skip
_TLDS = ("com", "com", "com", "net", "org", "co.uk", "de", "fr", "ru", "com.au", "jp", "it", "nl", "es", "ca", "info")
_WORDS = (
    "the", "of", "and", "a", "in", "with", "for", "on", "to", "by", "from", "at", "is", "new", "free", "set",
    "black", "white", "red", "blue", "green", "pink", "gold", "wood", "glass", "metal", "leather", "cotton",
    "women", "men", "kids", "baby", "dress", "shirt", "shoes", "bag", "ring", "necklace", "watch", "lamp", "chair",
    "table", "house", "home", "garden", "kitchen", "bedroom", "bathroom", "wedding", "party", "birthday", "cake",
    "flowers", "tree", "beach", "mountain", "lake", "river", "city", "street", "car", "bike", "dog", "cat", "bird",
    "horse", "girl", "boy", "man", "woman", "people", "family", "christmas", "summer", "winter", "vintage",
    "modern", "design", "style", "ideas", "best", "beautiful", "cute", "large", "small", "photo", "image",
    "picture", "stock", "illustration", "vector", "icon", "logo", "pattern", "background", "texture", "print",
    "poster", "art", "painting", "drawing", "canvas", "wall", "decor", "size", "inch", "pack", "pcs", "high",
    "quality", "original", "classic", "premium", "handmade", "custom", "personalized", "gift", "sale", "price",
    "review", "2018", "2019", "2020", "2021", "hd", "3d", "diy", "how", "make", "top", "10", "your", "our",
)  # fmt: skip
_NON_ASCII = (
    "it\u2019s", "artist\u2019s", "\u2013", "\u2014", "caf\u00e9", "d\u00e9cor", "r\u00e9sum\u00e9", "Pok\u00e9mon",
    "na\u00efve", "\u2122", "\u00ae", "\u00a9", "\u2026", "\u2764\ufe0f", "\U0001f60d", "\U0001f525", "20\u00b0C",
    "3\u00d74", "\u201cnew\u201d", "M\u00fcnchen", "Stra\u00dfe", "a\u00f1o", "\u00a3299", "\u20ac49",
    "\u304b\u308f\u3044\u3044", "\u65b0\u3057\u3044", "\u043a\u0443\u043f\u0438\u0442\u044c", "S\u00e3o Paulo",
)  # fmt: skip
_IDN_HOSTS = ("b\u00fccher.de", "\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", "m\u00fcnchen-fotos.de")


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))


def _site(rng: random.Random, sites: list[str]) -> str:
    return sites[min(int(rng.paretovariate(0.9)) - 1, len(sites) - 1)]


def _slug(rng: random.Random) -> str:
    return "-".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 7)))


def _url(rng: random.Random, sites: list[str]) -> str:
    """A LAION-like image URL (every one distinct: random ids)."""
    pick = rng.random()
    h = f"{rng.getrandbits(128):032x}"
    if pick < 0.16:
        url = f"https://i.pinimg.com/{rng.choice(['236x', '474x', '736x'])}/{h[:2]}/{h[2:4]}/{h[4:6]}/{h}.jpg"
    elif pick < 0.28:
        url = (
            f"https://cdn.shopify.com/s/files/1/{rng.randint(1000, 9999):04d}/{rng.randint(1000, 9999):04d}/products/"
            f"{_slug(rng)}_{rng.choice(['1024x1024', '600x', '800x'])}.jpg?v={rng.randint(10**9, 10**10)}"
        )
    elif pick < 0.36:
        url = f"https://images-na.ssl-images-amazon.com/images/I/{h[:11]}._AC_SX{rng.randint(300, 700)}_.jpg"
    elif pick < 0.44:
        url = f"https://live.staticflickr.com/{rng.randint(1000, 9999)}/{rng.getrandbits(36)}_{h[:10]}_b.jpg"
    elif pick < 0.48:
        name = "%20".join(w.capitalize() for w in _slug(rng).split("-")) + rng.choice(["", "%C3%A9", "%E2%80%93x"])
        url = f"https://upload.wikimedia.org/wikipedia/commons/thumb/{h[0]}/{h[:2]}/{name}.jpg/640px-{name}.jpg"
    elif pick < 0.52:
        url = (
            f"https://cdna.artstation.com/p/assets/images/images/0{rng.randint(10, 60)}/{rng.randint(100, 999)}/"
            f"{rng.randint(100, 999)}/large/{_word(rng)}-{_slug(rng)}.jpg?{rng.randint(10**9, 10**10)}"
        )
    elif pick < 0.56:
        url = vocab.scraper_url(rng)
    else:
        site = _site(rng, sites)
        sub = rng.choice(["", "www.", "www.", "cdn.", "img.", "static.", "media."])
        year, month = rng.randint(2010, 2022), rng.randint(1, 12)
        slug = _slug(rng)
        if rng.random() < 0.06:
            slug = slug.replace("-", "%20", 2)
        if rng.random() < 0.5:
            url = f"https://{sub}{site}/wp-content/uploads/{year}/{month:02d}/{slug}-{rng.randint(150, 1200)}x{rng.randint(150, 1200)}.jpg"
        else:
            url = f"http://{sub}{site}/images/{rng.choice(['products', 'gallery', 'photos'])}/{h[:8]}/{slug}.jpg"
        if rng.random() < 0.01:
            url = url.replace(site, site.upper(), 1)
        if rng.random() < 0.004:
            url = url.replace("://", "://user@", 1).replace(site, site + ":8080", 1)
    if rng.random() < 0.004:
        url = url.replace(url.split("/")[2], rng.choice(_IDN_HOSTS), 1)
    return url


def _caption(rng: random.Random) -> str:
    """A LAION-en-like caption: log-normal length (median about 45 characters), about 10 % non-ASCII."""
    target = min(int(rng.lognormvariate(math.log(45), 0.75)), 600)
    parts: list[str] = []
    length = 0
    while length < target:
        pick = rng.random()
        if pick < 0.55:
            part = rng.choice(_WORDS)
        elif pick < 0.75:
            part = _word(rng)
        elif pick < 0.9:
            part = rng.choice(vocab.NOUNS + vocab.ADJECTIVES)
        elif pick < 0.97:
            part = rng.choice(vocab.PLACES)
        else:
            part = "by " + rng.choice(vocab.OTHER_ARTISTS)
        parts.append(part.capitalize() if rng.random() < 0.25 else part)
        length += len(part) + 1
    if rng.random() < 0.1:
        parts.insert(rng.randint(0, len(parts)), rng.choice(_NON_ASCII))
    return " ".join(parts)


def generate(path: Path, rows: int, seed: int = 20261201) -> int:
    """Write the file; return how many rows were planted (hits and look-alikes)."""
    rng = random.Random(seed)
    sites = [f"{_word(rng)}{_word(rng)}.{rng.choice(_TLDS)}" for _ in range(200_000)]
    planted: list[tuple[str, str]] = [(url, vocab.caption(rng)) for url, _work, _why in URL_POSITIVES]
    planted += [(url, vocab.caption(rng)) for url, _why in URL_LOOKALIKES]
    planted += [(vocab.scraper_url(rng), text) for text, _names in TEXT_POSITIVES]
    planted += [(vocab.scraper_url(rng), text) for text, _why in TEXT_LOOKALIKES]
    copies = max(1, rows // 100_000 // len(planted))
    slots = dict(zip(rng.sample(range(rows), copies * len(planted)), planted * copies, strict=True))
    writer = pq.ParquetWriter(path, pa.schema([("SAMPLE_ID", pa.int64()), ("URL", pa.string()), ("TEXT", pa.string())]))
    chunk = 1_000_000
    for start in range(0, rows, chunk):
        ids = list(range(start, min(rows, start + chunk)))
        urls, texts = [], []
        for row in ids:
            url, text = slots.get(row) or (_url(rng, sites), _caption(rng))
            urls.append(url)
            texts.append(text)
        writer.write_table(pa.table({"SAMPLE_ID": ids, "URL": urls, "TEXT": texts}), row_group_size=chunk)
    writer.close()
    return len(slots)


def batches(path: Path, batch: int) -> Iterator[pa.RecordBatch]:
    yield from pq.ParquetFile(path).iter_batches(batch_size=batch, columns=["URL", "TEXT"], use_threads=False)


def clocks() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def timed(work: Callable[[], T]) -> tuple[T, float]:
    cpu = time.process_time()
    result = work()
    return result, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--sample", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=65_536)
    parser.add_argument("--keep", type=Path, default=None, help="write the Parquet file here and reuse it if present")
    args = parser.parse_args()
    profile = Profile.from_json(json.loads(PROFILE_PATH.read_text()))

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "laion-shaped.parquet"
        if not path.exists():
            started = time.perf_counter()
            planted = generate(path, args.rows)
            print(f"generated {args.rows:,} rows ({planted} planted) in {time.perf_counter() - started:.0f} s: {path}")
        meta = pq.ParquetFile(path).metadata
        rows = meta.num_rows
        print(f"{rows:,} rows, {path.stat().st_size / rows:.1f} bytes a row on disk, {meta.num_row_groups} row groups")
        report(path, rows, profile, args.batch, min(args.sample, rows))


def report(path: Path, rows: int, profile: Profile, batch: int, sample: int) -> None:
    per_m = 1e6 / rows
    prefilter, build = timed(lambda: ProfilePrefilter(profile))
    print(f"ProfilePrefilter built in {build:.2f} CPU-s (once per process: tables of the Unicode fold)")

    cpu, wall = clocks()
    url_bytes = text_bytes = 0
    for record in batches(path, batch):
        url_bytes += record.column(0).nbytes
        text_bytes += record.column(1).nbytes
    decode_cpu, decode_wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"Arrow bytes a row: URL {url_bytes / rows:.0f}, TEXT {text_bytes / rows:.0f}")

    url_cpu = text_cpu = exact_cpu = 0.0
    url_candidates = text_candidates = 0
    hits_url: list[int] = []
    hits_text: list[int] = []
    cpu, wall = clocks()
    base = 0
    for record in batches(path, batch):
        urls, texts = record.column(0), record.column(1)
        url_rows, spent = timed(lambda urls=urls: prefilter.url_candidates(urls))
        url_cpu += spent
        text_rows, spent = timed(lambda texts=texts: prefilter.text_candidates(texts))
        text_cpu += spent
        url_candidates += len(url_rows)
        text_candidates += len(text_rows)

        def verify(urls: pa.Array = urls, texts: pa.Array = texts, u: np.ndarray = url_rows, t: np.ndarray = text_rows):
            for row, url in zip(u.tolist(), urls.take(pa.array(u)).to_pylist(), strict=True):
                if prefilter.url_matcher.match(url):
                    hits_url.append(base + row)
            for row, text in zip(t.tolist(), texts.take(pa.array(t)).to_pylist(), strict=True):
                if prefilter.text_matcher.find(text):
                    hits_text.append(base + row)

        _, spent = timed(verify)
        exact_cpu += spent
        base += len(record)
    pass_cpu, pass_wall = time.process_time() - cpu, time.perf_counter() - wall

    sample_urls: list[str | None] = []
    sample_texts: list[str | None] = []
    for record in batches(path, batch):
        sample_urls += record.column(0).to_pylist()
        sample_texts += record.column(1).to_pylist()
        if len(sample_urls) >= sample:
            break
    sample_urls, sample_texts = sample_urls[:sample], sample_texts[:sample]
    naive_url, naive_url_cpu = timed(lambda: [i for i, u in enumerate(sample_urls) if prefilter.url_matcher.match(u)])
    naive_text, naive_text_cpu = timed(
        lambda: [i for i, t in enumerate(sample_texts) if prefilter.text_matcher.find(t)]
    )
    agree = naive_url == [r for r in hits_url if r < sample] and naive_text == [r for r in hits_text if r < sample]

    prefilter_cpu = url_cpu + text_cpu
    naive_scaled = (naive_url_cpu + naive_text_cpu) * rows / sample
    print()
    print(f"CPU seconds per million rows ({rows:,} rows, batches of {batch:,}):")
    print(f"  (a) bare decode URL+TEXT                 {decode_cpu * per_m:7.3f}   (wall {decode_wall * per_m:.3f})")
    print(f"  (b) prefilter URL + TEXT                 {prefilter_cpu * per_m:7.3f}   = {prefilter_cpu / decode_cpu:.2f} x decode")
    print(f"        URL   {url_cpu * per_m:.3f}   candidates {url_candidates / rows:.5%}")
    print(f"        TEXT  {text_cpu * per_m:.3f}   candidates {text_candidates / rows:.5%}")
    print(f"      exact matchers on the candidates     {exact_cpu * per_m:7.3f}")
    print(f"      whole pass (decode+prefilter+exact)  {pass_cpu * per_m:7.3f}   = {pass_cpu / decode_cpu:.2f} x decode"
          f"   (wall {pass_wall * per_m:.3f})")  # fmt: skip
    print(f"  (c) naive: exact matchers on every row   {naive_scaled * per_m:7.3f}   "
          f"(URL {naive_url_cpu / sample * 1e6:.2f}, TEXT {naive_text_cpu / sample * 1e6:.2f}; "
          f"from {sample:,} rows)")  # fmt: skip
    print(f"      ratio naive / whole pass             {naive_scaled / pass_cpu:7.1f} x")
    share = sum(1 for text in sample_texts if text and not text.isascii()) / max(1, len(sample_texts))
    print(f"hits: {len(hits_url)} URL rows, {len(hits_text)} caption rows; non-ASCII captions in the sample: {share:.1%}")
    print(f"on the first {sample:,} rows the prefiltered path accepts the same rows as the naive one: {agree}")


if __name__ == "__main__":
    main()
