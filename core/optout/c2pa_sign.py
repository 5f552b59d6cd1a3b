"""Optional: a signed C2PA manifest carrying the CAWG training-and-data-mining assertion (FACTS.md section 5).

The assertion ``cawg.training-mining`` marks all four uses ``notAllowed``; the manifest is signed with the
artist's own certificate through c2pa-python (an optional dependency, imported only when signing is asked
for). Signing must be the last change to a copy: C2PA binds the signature to the file's bytes, so the XMP
tag is written first. A self-issued certificate produces a valid but "untrusted" signature.
"""

from __future__ import annotations

import importlib
import io
import json
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any

from core import APP_NAME, __version__
from core.errors import MissingComponent, TrainTraceError, UsageError

TRAINING_MINING_LABEL = "cawg.training-mining"
TRAINING_MINING_USES = ("cawg.data_mining", "cawg.ai_inference", "cawg.ai_generative_training", "cawg.ai_training")
SIGNING_ALGORITHMS = frozenset({"es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519"})
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WebP": "image/webp", "TIFF": "image/tiff",
              "HEIC": "image/heic", "AVIF": "image/avif"}  # fmt: skip


class SigningError(TrainTraceError):
    """The C2PA manifest could not be created or signed; the message says why in plain words."""


@dataclass(frozen=True)
class SigningCredentials:
    """The artist's certificate chain (PEM, signing certificate first) and its private key (PEM)."""

    certificate_chain_pem: bytes = field(repr=False)
    private_key_pem: bytes = field(repr=False)
    algorithm: str = "es256"
    timestamp_url: str | None = None

    def __post_init__(self) -> None:
        if self.algorithm not in SIGNING_ALGORITHMS:
            raise UsageError(f"Unknown signing algorithm {self.algorithm!r}; use one of {sorted(SIGNING_ALGORITHMS)}.")
        if b"BEGIN CERTIFICATE" not in self.certificate_chain_pem or b"PRIVATE KEY" not in self.private_key_pem:
            raise UsageError("The certificate chain and the private key must both be PEM files.")


def training_mining_manifest(title: str) -> dict[str, Any]:
    """The manifest definition: who made it, and every training and mining use marked not allowed."""
    entries = {use: {"use": "notAllowed"} for use in TRAINING_MINING_USES}
    return {
        "claim_generator_info": [{"name": APP_NAME, "version": __version__}],
        "title": title,
        "assertions": [{"label": TRAINING_MINING_LABEL, "data": {"entries": entries}}],
    }


def sign_training_mining(data: bytes, image_format: str, title: str, credentials: SigningCredentials) -> bytes:
    """`data` (a JPEG, PNG, WebP, TIFF, HEIC or AVIF file) with a signed C2PA manifest added; pixels untouched.

    The formats are those the installed c2pa-python can sign (it says which)."""
    c2pa = require_c2pa()
    mime = MIME_TYPES.get(image_format)
    if mime is None or mime not in _signable(c2pa):
        raise SigningError(f"C2PA signing is not available for {image_format} files")
    try:
        signer = c2pa.Signer.from_info(
            c2pa.C2paSignerInfo(
                credentials.algorithm.encode(),
                credentials.certificate_chain_pem,
                credentials.private_key_pem,
                credentials.timestamp_url,
            )
        )
        with signer, c2pa.Builder(json.dumps(training_mining_manifest(title))) as builder:
            # "Edit" makes the unsigned copy the parent ingredient, recorded with a c2pa.opened action.
            builder.set_intent(c2pa.C2paBuilderIntent.EDIT)
            signed = io.BytesIO()
            builder.sign(signer, mime, io.BytesIO(data), signed)
    except c2pa.C2paError as exc:
        raise SigningError(f"C2PA signing failed: {exc}") from exc
    return signed.getvalue()


def _signable(c2pa: Any) -> set[str]:
    """The MIME types the installed c2pa-python's builder can sign."""
    return set(c2pa.Builder.get_supported_mime_types())


def require_c2pa() -> Any:
    """The c2pa module; `MissingComponent` naming the install command when the optional package is absent."""
    try:
        return importlib.import_module("c2pa")
    except ImportError as exc:
        install = f"{shlex.quote(sys.executable or 'python3')} -m pip install c2pa-python"
        raise MissingComponent(
            f"C2PA signing needs the optional package c2pa-python, which is not installed; install it with: {install}"
        ) from exc
