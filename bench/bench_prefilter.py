"""URL and caption prefilter on a LAION-shaped Parquet file, beside the bare decode and the naive per-row matchers.

Run: ``python -m bench.bench_prefilter [--rows 4000000] [--sample 200000] [--batch 65536] [--repeat 3]
[--keep FILE] [--profile PROFILE.json]``

Writes a LAION-shaped file (SAMPLE_ID, URL, TEXT; snappy, 1M-row row groups; every value distinct, as in LAION)
with realistic URL shapes (image CDNs, shops, WordPress uploads, Wikimedia with percent-encoded names, 0.4 % IDN
hosts in Unicode, capitals, ports and userinfo; about 7 % of URLs hold a "%") and captions (log-normal lengths
around LAION-en's, 10 % with non-ASCII characters: typographic quotes and dashes, accented words, symbols, emoji,
CJK, Cyrillic). The sample dataset's 25 URL and caption hits and look-alikes of the sample artist are planted at
random rows (once per 2.5M rows). Then, in CPU seconds of this process per million rows, each figure the fastest
of ``--repeat`` passes (the machine may be shared):

- (a) the bare decode of URL+TEXT, record batch by record batch (one thread), and the decode inside the full pass;
- (b) the prefilter (`ProfilePrefilter.url_candidates` + `text_candidates`) in the same pass, its candidate rate,
  the exact matchers on the candidates only, and the whole pass against the decode of the same pass;
- (c) the naive baseline: the exact matchers (`UrlMatcher.match`, `TextMatcher.find`) on every row, Arrow-to-Python
  conversion included, timed on the first ``--sample`` rows and scaled; on those rows both paths must accept the
  same rows.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench import captions as vocab
from bench.sample_datasets import TEXT_LOOKALIKES, TEXT_POSITIVES, URL_LOOKALIKES, URL_POSITIVES
from core.matching.prefilter import ProfilePrefilter
from core.profile import Profile

PROFILE_PATH = Path(__file__).resolve().parents[1] / "resources" / "sample_portfolio" / "profile.json"

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
            size = f"{rng.randint(150, 1200)}x{rng.randint(150, 1200)}"
            url = f"https://{sub}{site}/wp-content/uploads/{year}/{month:02d}/{slug}-{size}.jpg"
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


@dataclass
class Pass:
    """CPU seconds of one pass over the file, split by step (decode is the time spent inside the reader)."""

    decode: float = 0.0
    url: float = 0.0
    text: float = 0.0
    exact: float = 0.0
    url_candidates: int = 0
    text_candidates: int = 0
    hits_url: list[int] = field(default_factory=list)
    hits_text: list[int] = field(default_factory=list)

    @property
    def prefilter(self) -> float:
        return self.url + self.text

    @property
    def total(self) -> float:
        return self.decode + self.prefilter + self.exact


def decode_only(path: Path, batch: int) -> float:
    cpu = time.process_time()
    for _record in batches(path, batch):
        pass
    return time.process_time() - cpu


def full_pass(path: Path, batch: int, prefilter: ProfilePrefilter) -> Pass:
    """Decode, prefilter, then the exact matchers on the candidate rows only; each step timed within the pass."""
    result = Pass()
    reader = batches(path, batch)
    base = 0
    while True:
        cpu = time.process_time()
        record = next(reader, None)
        result.decode += time.process_time() - cpu
        if record is None:
            return result
        urls, texts = record.column(0), record.column(1)
        cpu = time.process_time()
        url_rows = prefilter.url_candidates(urls)
        middle = time.process_time()
        text_rows = prefilter.text_candidates(texts)
        end = time.process_time()
        result.url += middle - cpu
        result.text += end - middle
        for row, url in zip(url_rows.tolist(), urls.take(pa.array(url_rows)).to_pylist(), strict=True):
            if prefilter.url_matcher.match(url):
                result.hits_url.append(base + row)
        for row, text in zip(text_rows.tolist(), texts.take(pa.array(text_rows)).to_pylist(), strict=True):
            if prefilter.text_matcher.find(text):
                result.hits_text.append(base + row)
        result.exact += time.process_time() - end
        result.url_candidates += len(url_rows)
        result.text_candidates += len(text_rows)
        base += len(record)


def naive(
    path: Path, batch: int, prefilter: ProfilePrefilter, sample: int
) -> tuple[float, float, list[int], list[int]]:
    """Today's exact matchers on every row of the first `sample` rows (Arrow to Python conversion included)."""
    url_cpu = text_cpu = 0.0
    hits_url: list[int] = []
    hits_text: list[int] = []
    base = 0
    for record in batches(path, batch):
        cpu = time.process_time()
        urls = record.column(0).to_pylist()[: sample - base]
        hits_url += [base + row for row, url in enumerate(urls) if prefilter.url_matcher.match(url)]
        middle = time.process_time()
        texts = record.column(1).to_pylist()[: sample - base]
        hits_text += [base + row for row, text in enumerate(texts) if prefilter.text_matcher.find(text)]
        url_cpu += middle - cpu
        text_cpu += time.process_time() - middle
        base += len(urls)
        if base >= sample:
            break
    return url_cpu, text_cpu, hits_url, hits_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--sample", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=65_536)
    parser.add_argument("--repeat", type=int, default=3, help="passes of each kind; the fastest one is reported")
    parser.add_argument("--keep", type=Path, default=None, help="write the Parquet file here and reuse it if present")
    parser.add_argument("--profile", type=Path, default=PROFILE_PATH, help="profile JSON (default: the sample artist)")
    args = parser.parse_args()
    profile = Profile.from_json(json.loads(args.profile.read_text()))

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "laion-shaped.parquet"
        if not path.exists():
            started = time.perf_counter()
            planted = generate(path, args.rows)
            print(f"generated {args.rows:,} rows ({planted} planted) in {time.perf_counter() - started:.0f} s: {path}")
        report(path, profile, args.batch, args.sample, args.repeat)


def report(path: Path, profile: Profile, batch: int, sample: int, repeat: int) -> None:
    meta = pq.ParquetFile(path).metadata
    rows = meta.num_rows
    sample = min(sample, rows)
    per_m = 1e6 / rows
    print(f"{rows:,} rows, {path.stat().st_size / rows:.1f} bytes a row on disk, {meta.num_row_groups} row groups")
    cpu = time.process_time()
    prefilter = ProfilePrefilter(profile)
    print(f"ProfilePrefilter built in {time.process_time() - cpu:.2f} CPU-s (once per process: Unicode fold tables)")
    first = next(batches(path, batch))
    urls, texts = first.column(0), first.column(1)
    url_bytes, text_bytes = urls.buffers()[2].size / len(first), texts.buffers()[2].size / len(first)
    non_ascii = 1 - float(pc.mean(pc.string_is_ascii(texts)).as_py())
    print(f"value bytes a row: URL {url_bytes:.0f}, TEXT {text_bytes:.0f}; non-ASCII captions {non_ascii:.1%}")

    bare = min(decode_only(path, batch) for _ in range(repeat))
    run = min((full_pass(path, batch, prefilter) for _ in range(repeat)), key=lambda p: p.total)
    url_cpu, text_cpu, naive_url, naive_text = naive(path, batch, prefilter, sample)
    same_urls = naive_url == [row for row in run.hits_url if row < sample]
    agree = same_urls and naive_text == [row for row in run.hits_text if row < sample]
    naive_scaled = (url_cpu + text_cpu) * rows / sample

    print()
    print(f"CPU seconds per million rows ({rows:,} rows, batches of {batch:,}; fastest of {repeat} passes):")
    print(f"  (a) bare decode URL+TEXT                 {bare * per_m:7.3f}")
    print(f"      decode inside the full pass          {run.decode * per_m:7.3f}")
    print(f"  (b) prefilter URL + TEXT                 {run.prefilter * per_m:7.3f}"
          f"   = {run.prefilter / run.decode:.2f} x the decode of the same pass")  # fmt: skip
    print(f"        URL   {run.url * per_m:.3f}   candidates {run.url_candidates / rows:.4%}")
    print(f"        TEXT  {run.text * per_m:.3f}   candidates {run.text_candidates / rows:.4%}")
    print(f"      exact matchers on the candidates     {run.exact * per_m:7.3f}")
    whole = run.total / run.decode
    print(f"      whole pass (decode+prefilter+exact)  {run.total * per_m:7.3f}   = {whole:.2f} x decode")
    print(f"  (c) naive: exact matchers on every row   {naive_scaled * per_m:7.3f}"
          f"   (URL {url_cpu / sample * 1e6:.2f}, TEXT {text_cpu / sample * 1e6:.2f}; on {sample:,} rows)")  # fmt: skip
    print(f"      naive / whole pass                   {naive_scaled / run.total:7.1f} x")
    print(f"hits: {len(run.hits_url)} URL rows, {len(run.hits_text)} caption rows")
    print(f"on the first {sample:,} rows both paths accept the same rows: {agree}")


if __name__ == "__main__":
    main()
