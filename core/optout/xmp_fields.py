"""What the tagged copies say: IPTC ``plus:DataMining``, the artist's name and copyright, and the usage terms.

The properties are the ones stock sites and Adobe's tools show (IPTC Photo Metadata 2023.1, FACTS.md section 5):
``plus:DataMining`` (the code), ``plus:OtherConstraints`` (the constraint that ``DMI-PROHIBITED-SEECONSTRAINT``
points to, or any the artist gives), ``dc:creator``, ``dc:rights`` with ``xmpRights:Marked`` (copyrighted), and
``xmpRights:UsageTerms`` (the code in plain words). `exiv2_values` gives them as exiv2 keys and values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import UsageError
from core.profile import Profile

PLUS_NS = "http://ns.useplus.org/ldf/xmp/1.0/"
PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"
SEE_CONSTRAINT = "DMI-PROHIBITED-SEECONSTRAINT"
RESERVATION = "Text and data mining, including AI training, is reserved (EU Directive 2019/790, Art. 4(3))."
# IPTC "Data Mining" codes and what each says in plain words (no words: the code reserves nothing).
DATA_MINING_TERMS = {
    "DMI-UNSPECIFIED": "",
    "DMI-ALLOWED": "",
    "DMI-PROHIBITED-AIMLTRAINING": "Use of this work to train AI or machine-learning models is prohibited.",
    "DMI-PROHIBITED-GENAIMLTRAINING": (
        "Use of this work to train generative AI or machine-learning models is prohibited."
    ),
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": (
        "Data mining of this work, including AI training, is prohibited, except for search engine indexing."
    ),
    "DMI-PROHIBITED": "Data mining of this work, including AI training, is prohibited.",
    SEE_CONSTRAINT: "Data mining of this work is restricted; see the other constraints.",
}
DATA_MINING_CODES = frozenset(DATA_MINING_TERMS)
_LANG_DEFAULT = 'lang="x-default"'
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

Exiv2Value = str | list[str] | dict[str, str]


@dataclass(frozen=True)
class XmpFields:
    """The values written into a copy; an empty one is left out (the copy keeps whatever the original had)."""

    data_mining: str
    creator: str = ""
    rights: str = ""
    usage_terms: str = ""
    other_constraints: str = ""

    def __post_init__(self) -> None:
        if self.data_mining not in DATA_MINING_CODES:
            codes = ", ".join(sorted(DATA_MINING_CODES))
            raise UsageError(f"Unknown Data Mining value {self.data_mining!r}; use one of {codes}.")

    @classmethod
    def for_profile(cls, profile: Profile, data_mining: str, other_constraints: str = "") -> XmpFields:
        """The fields for the artist's copies: the code, their name and notice, and the terms in plain words.

        ``DMI-PROHIBITED-SEECONSTRAINT`` needs a constraint to point to: without one given, it is the
        Art. 4(3) reservation."""
        if data_mining not in DATA_MINING_CODES:
            cls(data_mining)  # raises the UsageError naming the codes
        name = _xml_safe(profile.name.strip())
        reserves = bool(DATA_MINING_TERMS[data_mining])
        constraints = _xml_safe(other_constraints.strip()) or (RESERVATION if data_mining == SEE_CONSTRAINT else "")
        terms = DATA_MINING_TERMS[data_mining]
        if terms and name:
            terms += f" Ask {name} for permission."
        rights = f"© {name}. All rights reserved." + (f" {RESERVATION}" if reserves else "") if name else ""
        return cls(data_mining, name, rights, terms, constraints)

    def exiv2_values(self) -> dict[str, Exiv2Value]:
        """exiv2 keys and values (a list is an ordered array, a dict a language alternative) for pyexiv2."""
        values: dict[str, Exiv2Value] = {"Xmp.plus.DataMining": PLUS_VOCAB + self.data_mining}
        if self.other_constraints:
            values["Xmp.plus.OtherConstraints"] = {_LANG_DEFAULT: self.other_constraints}
        if self.creator:
            values["Xmp.dc.creator"] = [self.creator]
        if self.rights:
            values["Xmp.dc.rights"] = {_LANG_DEFAULT: self.rights}
            values["Xmp.xmpRights.Marked"] = "True"
        if self.usage_terms:
            values["Xmp.xmpRights.UsageTerms"] = {_LANG_DEFAULT: self.usage_terms}
        return values


def _xml_safe(text: str) -> str:
    """Control characters are not allowed in XML 1.0; they are dropped from names and notices."""
    return _XML_FORBIDDEN.sub("", text)
