"""The report's fixed wording: what each kind of match means, how to reproduce it, what each digest covers, and the
limits of what the report shows.

Kept apart from the layout so the wording can be reviewed (by a lawyer, a collecting society) on its own. Every
sentence must be what the code does: `METHODS` is keyed by `MatchKind` and names the code that produces each kind
(tests/evidence/test_methodology.py fails when a kind has no sentence, or when the named code does not produce
that kind the way the sentence says).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.matching.scoring import SHAPE_SLACK, VARIANT_MARGIN
from core.vocabulary import MatchKind


@dataclass(frozen=True)
class KindMethod:
    name: str  # in the match pages' "Kind" line
    short: str  # in the summary table
    compared: str  # what was compared, in a few words (the summary's legend)
    meaning: str  # the methodology's sentence
    produced_by: tuple[str, ...]  # "module:Class.method" of the code that makes matches of this kind


METHODS: dict[MatchKind, KindMethod] = {
    MatchKind.SHA256: KindMethod(
        "identical file (SHA-256)",
        "SHA-256",
        "the file's SHA-256 equals the row's",
        "The SHA-256 digest of the artist's file equals the SHA-256 the dataset publishes for this row: the file "
        "the dataset's makers hashed had exactly the same bytes.",
        ("core.matching.records:MatchRecords.sha256", "core.sources.service:hits_as_matches"),
    ),
    MatchKind.PHASH: KindMethod(
        "near-duplicate picture (pHash)",
        "pHash",
        "64-bit perceptual hashes within the threshold",
        "The 64-bit perceptual hash (pHash) of the artist's picture, computed with the ImageHash library's phash "
        "function on the picture as the file opens (no rotation from EXIF), or on one of the canonical variants of "
        "it (the picture padded or centre-cropped to a standard shape such as a square, mirrored, with a border "
        "added, slightly cropped, or its transparency composited on white or black), differs from the pHash the "
        "dataset publishes for this row in at most the number of bits given below (the Hamming distance). Resized "
        "or recompressed copies of a picture usually keep almost the same pHash; unrelated pictures differ in about "
        "32 bits on average. That the dataset computed its values with ImageHash too is likely (they are 64-bit "
        "pHashes written as 16 hexadecimal digits, as ImageHash writes them) but its makers have not said so.",
        ("core.matching.records:MatchRecords.phash", "core.sources.service:hits_as_matches"),
    ),
    MatchKind.URL: KindMethod(
        "address of the image (URL)",
        "URL",
        "the image's address is on the artist's web addresses",
        "The row's image address is on a domain listed in the artist's profile (compared by registrable domain, so "
        "a look-alike domain does not count) or begins with one of the upload addresses listed there; when the "
        "address's file name is that of one of the artist's files, that work is named. Only the address is "
        "compared: no picture.",
        ("core.matching.records:MatchRecords.url", "core.sources.service:hits_as_matches"),
    ),
    MatchKind.TEXT: KindMethod(
        "caption naming the artist",
        "caption",
        "the caption contains the artist's name, an alias or a handle",
        "The row's caption contains the artist's name, an alias or a handle from the profile as whole words, "
        "ignoring case and accents. Only the caption is compared: no picture. A caption can name an artist "
        "without the picture being the artist's (for example 'in the style of').",
        ("core.matching.records:MatchRecords.text", "core.sources.service:hits_as_matches"),
    ),
    MatchKind.CLIP: KindMethod(
        "answer of a clip-retrieval backend to a text query",
        "CLIP text",
        "a clip-retrieval backend's answer to a text query",
        "A clip-retrieval backend was sent a text query (the artist's name, an alias, a handle or a work title "
        "typed by the user) and returned this row among the images whose CLIP embeddings are closest to the "
        "query text's CLIP embedding. No picture of the artist's was sent or compared: the row is tied to the "
        "artist only by how close its image is, in CLIP's terms, to the words of the query, and such closeness "
        "is not identity.",
        ("core.sources.clip_retrieval:ClipRetrievalSource.run_call", "core.sources.service:hits_as_matches"),
    ),
}


def method(kind: str) -> KindMethod | None:
    try:
        return METHODS[MatchKind(kind)]
    except ValueError:
        return None


def kind_name(kind: str) -> str:
    found = method(kind)
    return found.name if found else kind


def short_kind_name(kind: str) -> str:
    found = method(kind)
    return found.short if found else kind


def summary_legend() -> str:
    kinds = "; ".join(f"{item.short} = {item.compared}" for item in METHODS.values())
    return (
        f"Kind: {kinds}. Dist.: Hamming distance between the 64-bit pHashes (0 for an identical file). Each match has "
        "its own page below."
    )


def methodology_sections(max_distance: int, remote_sources: bool) -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) of the methodology and limits section."""
    kinds = [f"{item.name[0].upper()}{item.name[1:]}: {item.meaning}" for item in METHODS.values()]
    variant_limit = max(max_distance - VARIANT_MARGIN, 0)
    sent = (
        " The remote sources listed on the cover were sent text only (names, hashes or web addresses), never a picture."
        if remote_sources
        else ""
    )
    return [
        (
            "How matches were found",
            [
                "TrainTrace fingerprinted the artist's files on the artist's own computer and compared the "
                "fingerprints, the artist's web addresses and names with the metadata that the datasets publish "
                "(one row per image: an id, the image's address, its caption and, for some datasets, a hash of the "
                f"image). No picture was uploaded anywhere.{sent} Every match listed in this report was confirmed "
                "on review in TrainTrace by its user (the artist, or someone acting for the artist); unconfirmed "
                "and rejected candidates are not included.",
                *kinds,
                f"Threshold: a pHash match is accepted at a Hamming distance of at most {max_distance} of 64 bits "
                f"for the picture itself (and its transparency composited on white or black) and at most "
                f"{variant_limit} for a variant, where chance collisions are likelier. A variant padded or "
                "centre-cropped to a standard shape, or mirrored, counts only against a row whose published width "
                "and height have that shape; a variant framed, or cropped by a few percent at a corner or on every "
                f"side, also counts up to {max_distance} against a row within {SHAPE_SLACK:.0%} of its shape, "
                "unless that row has one of the standard shapes most pictures have. Works too plain to be told "
                "apart by pHash (blank, flat or almost) were matched by file and name only. A dataset row "
                "within reach of several of the artist's works is listed for the closest one(s) only.",
            ],
        ),
        (
            "Reproducing a match without TrainTrace",
            [
                "Each match page ends with a recipe. Put the dataset file it names and the artist's file in one "
                "folder, check the dataset file's SHA-256 (sha256sum FILE, or certutil -hashfile FILE SHA256), then "
                "run the DuckDB query (in the duckdb command-line tool, or in Python: import duckdb; "
                "duckdb.sql(QUERY).show()): it prints the row, found by its id, with its position in the file "
                "(file_row_number, counted from 0). For a Parquet file, the pyarrow line prints the same row, "
                "found by its row group and its row inside that group (both counted from 0).",
                "The two Python lines (Python 3 with ImageHash and Pillow installed: pip install ImageHash) print "
                "the hash TrainTrace compared: the SHA-256 of the file's bytes, or the pHash of the picture (or of "
                "the variant of it named on the page, built with the same Pillow calls) followed by its Hamming "
                "distance to the row's pHash. Each recipe shows what it prints; the dataset's values are shown as "
                "the file holds them, unless the page says otherwise.",
            ],
        ),
        (
            "What each digest covers",
            [
                "Work SHA-256: the bytes of the artist's file, when it was matched and again when this report was "
                "made. Dataset file SHA-256: the bytes of that file of the dataset; how it was obtained is said "
                "beside it (computed by TrainTrace while it read the file, or published by the Hugging Face Hub "
                "for a file TrainTrace read only in part).",
                "Manifest SHA-256 (on the cover): the bytes of the JSON manifest embedded in this PDF as an "
                "attachment, and written beside it as a file with the same bytes. The manifest lists the digest of "
                "every input: each work, each dataset file and descriptor, the artist's profile and the list of "
                "confirmed matches, and every recipe. Because the cover shows the manifest's digest, the manifest "
                "cannot be swapped without changing the PDF.",
                "The PDF's own SHA-256 cannot be written inside the PDF (writing it would change the bytes it "
                "describes): TrainTrace shows it when it writes the report and keeps it in its history of "
                "generated files. A signed report carries a PAdES signature over all of the PDF's bytes except "
                "the signature itself, the embedded manifest included; any change to a signed byte breaks it.",
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
                "digests are reported to no longer match a fresh download of the same address, so a missing "
                "SHA-256 match proves nothing.",
                "Coverage: a dataset marked 'partial' was searched only in the parts imported (or that a remote "
                "service covers); rows outside them were not checked. The absence of a match is never evidence "
                "that a work is absent from a dataset.",
                "Dataset metadata is published by third parties. Captions and addresses are reproduced as the "
                "dataset holds them, as plain text; making this report did not visit those addresses.",
            ],
        ),
    ]
