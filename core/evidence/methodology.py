"""The report's fixed wording: what each kind of match means, and the limits of what the report shows.

Kept apart from the layout so the wording can be reviewed (by a lawyer, a collecting society) on its own.
"""

from __future__ import annotations

from core.matching.scoring import CROP_SHAPE_SLACK, VARIANT_MARGIN

KIND_NAMES = {
    "sha256": "identical file (SHA-256)",
    "phash": "near-duplicate picture (pHash)",
    "url": "address of the image (URL)",
    "text": "caption naming the artist",
    "clip": "visual similarity (CLIP embedding)",
}

SHORT_KIND_NAMES = {"sha256": "SHA-256", "phash": "pHash", "url": "URL", "text": "caption", "clip": "CLIP"}

KIND_MEANINGS = {
    "sha256": (
        "The SHA-256 digest of the local file is equal to the digest the dataset publishes for this row: the "
        "dataset's image was byte-for-byte the same file."
    ),
    "phash": (
        "The perceptual hash (pHash, 64 bits, computed as the ImageHash library does, the way the dataset computed "
        "its own) of the local work, or of a canonical variant of it (the picture padded or centre-cropped to a "
        "standard shape such as a square, mirrored, with a border added, slightly cropped, or its transparency "
        "flattened), differs from the hash the dataset publishes for this "
        "row in only a few of 64 bits (the Hamming distance). "
        "Resized or recompressed copies of one picture keep almost the same pHash; unrelated pictures differ in "
        "about 32 bits."
    ),
    "url": (
        "The row's image address lies on a domain the artist controls or under one of the artist's upload "
        "addresses on a shared host; when the file name is that of one of the works, the work is named."
    ),
    "text": "The row's caption contains the artist's name, an alias or a handle, as a whole word.",
    "clip": "A visual-similarity search (CLIP embeddings) returned this row; similarity is not identity.",
}


def methodology_sections(max_distance: int) -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) of the methodology and limits section."""
    kinds = [f"{KIND_NAMES[kind][0].upper()}{KIND_NAMES[kind][1:]}: {text}" for kind, text in KIND_MEANINGS.items()]
    variant_limit = max(max_distance - VARIANT_MARGIN, 0)
    return [
        (
            "How matches were found",
            [
                "TrainTrace fingerprinted the artist's files on the artist's own computer and compared the "
                "fingerprints, the artist's web addresses and names with the metadata that the datasets publish "
                "(one row per image: an id, the image's address, its caption and, for some datasets, a hash of the "
                "image). No image was uploaded anywhere. Every match listed in this report was reviewed and "
                "confirmed by the artist; unconfirmed and rejected candidates are not included.",
                *kinds,
                f"Threshold: a pHash match is accepted at a Hamming distance of at most {max_distance} of 64 bits "
                f"for the work itself (and its flattened transparency) and at most {variant_limit} for a variant, "
                "where chance collisions are likelier. A variant padded or centre-cropped to a standard shape, or "
                "mirrored, counts only against a row whose published width and height have that shape; a variant "
                f"cropped on one side or at a corner also counts up to {max_distance} against a row within "
                f"{CROP_SHAPE_SLACK:.0%} of its shape. Works too plain to be told apart by pHash (blank, flat or "
                "almost) were matched by file and name only. "
                "A dataset row within reach of several of the artist's works is listed for the closest "
                "one only.",
            ],
        ),
        (
            "Limits",
            [
                '"Listed in" is not "trained on". A row in a dataset shows that the dataset lists the image\'s '
                "address and caption. It does not show that any particular model was trained on the image, nor "
                "that the image could still be downloaded from that address when a model was trained.",
                "A pHash is a perceptual similarity, not a proof of identity: two different pictures can, rarely, "
                "have close hashes (especially simple, flat or very dark images). Each pHash match is shown here "
                "beside the local work so that a person can judge it.",
                "SHA-256 matches only byte-identical files: a resized or re-saved copy has a different digest. "
                "Dataset digests were computed on the bytes downloaded at collection time; about 14% of DataComp "
                "digests no longer match a fresh download of the same address, so a missing SHA-256 match proves "
                "nothing.",
                "Coverage: a dataset marked 'partial' was searched only in the parts imported (or that a remote "
                "service covers); rows outside them were not checked. The absence of a match is never evidence "
                "that a work is absent from a dataset.",
                "Dataset metadata is published by third parties. Captions and addresses are reproduced as they "
                "appear in the dataset, as plain text; TrainTrace did not visit those addresses for this report.",
            ],
        ),
    ]
