"""Plausible dataset URLs and captions for distractor rows (sample datasets and benchmarks).

No word here may be, or contain as a word, a name or handle of the sample artist; ``assert_unrelated`` checks a
generated value before it is used as a distractor.
"""

from __future__ import annotations

import random
import re

HOSTS = (
    "i.pinimg.com/736x", "cdn.shopify.com/s/files/1/0190/8574/products", "images.squarespace-cdn.com/content/v1",
    "live.staticflickr.com/65535", "upload.wikimedia.org/wikipedia/commons/thumb", "media.istockphoto.com/id",
    "ih1.redbubble.net/image", "www.boredart.com/wp-content/uploads/2014/06", "img.freepik.com/free-photo",
    "cdn.pixabay.com/photo/2019/03/11", "homesfeed.com/wp-content/uploads/2017/12", "s3.amazonaws.com/images.art",
    "64.media.tumblr.com", "cdna.artstation.com/p/assets/images/images/031/442", "pbs.twimg.com/media",
    "www.ephotozine.com/resize/2018/07/xlrg", "static.straitstimes.com.sg/s3fs-public/articles",
    "images.fineartamerica.com/images/artworkimages/mediumlarge/1", "www.artstation.com/artwork",
    "canadageographic.ca/uploads", "cicada-studio.example/img",
)  # fmt: skip
ADJECTIVES = (
    "vintage", "modern", "abstract", "minimalist", "colorful", "rustic", "elegant", "cozy", "dramatic", "serene",
    "bold", "soft", "golden", "misty", "urban", "tropical", "nordic", "hand-painted", "watercolor", "geometric",
)  # fmt: skip
NOUNS = (
    "landscape", "portrait", "still life", "seascape", "poster", "wall art", "canvas print", "sketch", "mural",
    "illustration", "photograph", "pattern", "sunset", "cityscape", "garden", "lighthouse", "forest", "bouquet",
    "kitchen", "living room", "sofa", "wedding dress", "sneakers", "mug", "phone case", "book cover", "cat", "dog",
)  # fmt: skip
PLACES = (
    "in Lisbon", "by the lake", "at night", "in autumn", "for sale", "on canvas", "in Granada", "in Canada",
    "on Etsy", "near the harbour", "in the mountains", "at the market", "under the stars", "in spring",
)  # fmt: skip
OTHER_ARTISTS = (
    "Maria Jensen", "Tomas Berg", "Yuki Tanaka", "Leila Haddad", "Art Riley", "Pete2453", "Sofia Marques",
    "Kwame Mensah", "Ingrid Holm", "Chen Wei", "@lumen.art", "@brushwork_daily", "#oilpainting", "#digitalart",
)  # fmt: skip
_FORBIDDEN = re.compile(r"okonkwo|lindqvist|@ada\.|\bada\b|adaok", re.IGNORECASE)


def assert_unrelated(value: str) -> str:
    """Return `value`, or fail loudly if a distractor accidentally names the sample artist."""
    if _FORBIDDEN.search(value):
        raise AssertionError(f"distractor mentions the sample artist: {value!r}")
    return value


def caption(rng: random.Random) -> str:
    parts = [rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(PLACES)]
    if rng.random() < 0.35:
        parts.append(f"by {rng.choice(OTHER_ARTISTS)}")
    if rng.random() < 0.2:
        parts.append(f"- {rng.randint(1, 40)} x {rng.randint(1, 40)} in")
    text = " ".join(parts)
    return assert_unrelated(text[0].upper() + text[1:])


def scraper_url(rng: random.Random, extension: str = ".jpg") -> str:
    """A URL on a busy image host: a random path, sometimes a slug, sometimes a query string."""
    host = rng.choice(HOSTS)
    token = f"{rng.getrandbits(64):016x}"
    if rng.random() < 0.5:
        slug = "-".join([rng.choice(ADJECTIVES), rng.choice(NOUNS).replace(" ", "-")])
        path = f"{token[:6]}/{slug}-{token[6:12]}{extension}"
    else:
        path = f"{token[:2]}/{token[2:4]}/{token}{extension}"
    url = f"https://{host}/{path}"
    if rng.random() < 0.15:
        url += f"?v={rng.randint(10**9, 10**10)}"
    return assert_unrelated(url)


def title_caption(work_file: str) -> str:
    """The caption of a scraped copy: the work's title words, without the artist (as aggregators write them)."""
    title = work_file.rsplit(".", 1)[0].replace("-", " ")
    return f"{title} art print"
