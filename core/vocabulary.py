"""The words every layer shares about a match: how it was found, what the artist decided, how much was searched.

String enums, so they are stored and compared as the plain strings the catalogue, the JSON export and the
dataset descriptors already use ("phash" == MatchKind.PHASH), while the code names them once.
"""

from __future__ import annotations

from enum import StrEnum


class MatchKind(StrEnum):
    SHA256 = "sha256"  # byte-identical file
    PHASH = "phash"  # perceptual hash within the threshold
    URL = "url"  # the row's URL is on the artist's domains or upload addresses
    TEXT = "text"  # the caption names the artist
    CLIP = "clip"  # a remote clip-retrieval answer to a text query


class MatchStatus(StrEnum):
    CANDIDATE = "candidate"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Coverage(StrEnum):
    FULL = "full"  # every row of the dataset was searched
    PARTIAL = "partial"  # some of it was not (a failed shard, a service's own limits)


# The kinds a dataset's own metadata supports, in the order a match run searches them.
DATASET_KINDS = (MatchKind.SHA256, MatchKind.PHASH, MatchKind.URL, MatchKind.TEXT)
