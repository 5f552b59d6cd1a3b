"""Signing the evidence PDF (optional): a PAdES signature with the user's certificate, made with pyHanko.

The signature covers every byte of the PDF except the signature value itself (the embedded manifest included),
so a reader's PDF viewer, poppler's `pdfsig` or pyHanko's validator shows whether the file is as signed. A
self-issued certificate proves integrity (the bytes did not change since they were signed by whoever holds the
key) but says who signed only to a reader who trusts that certificate; the cover says which it is.

pyHanko is an optional dependency (`pip install 'traintrace[sign]'`): reports are unsigned unless asked.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import UsageError

FIELD_NAME = "TrainTraceEvidence"
SIGN_EXTRA = "pip install 'traintrace[sign]'"


@dataclass(frozen=True)
class SigningKey:
    """Where the user's signing material is: a PEM (or DER) certificate with its private key, or one PKCS#12 file."""

    certificate: Path
    key: Path | None = None  # None: `certificate` is a PKCS#12 file (.p12, .pfx) holding both
    passphrase: bytes | None = None

    @property
    def is_pkcs12(self) -> bool:
        return self.key is None


@dataclass(frozen=True)
class SignerIdentity:
    subject: str
    issuer: str
    certificate_sha256: str  # of the certificate's DER bytes, hex
    self_signed: bool
    valid_until: str

    def as_dict(self) -> dict[str, str]:
        return {"subject": self.subject, "issuer": self.issuer, "certificate_sha256": self.certificate_sha256,
                "self_signed": "yes" if self.self_signed else "no", "valid_until": self.valid_until}  # fmt: skip


class ReportSigner:
    """Loaded once, before the report is built, so that a wrong passphrase or file fails before any work."""

    def __init__(self, key: SigningKey) -> None:
        signers = _pyhanko_signers()
        self._signer = _load(signers, key)
        cert = self._signer.signing_cert
        if _public_key(self._signer.signing_key.dump()) != cert.public_key.dump():
            raise UsageError(f"the private key does not belong to the certificate in {key.certificate}")
        self.identity = SignerIdentity(
            subject=cert.subject.human_friendly,
            issuer=cert.issuer.human_friendly,
            certificate_sha256=cert.sha256.hex(),
            self_signed=cert.self_signed in ("yes", "maybe"),
            valid_until=cert.not_valid_after.strftime("%Y-%m-%d %H:%M:%S UTC"),
        )

    def sign(self, pdf: bytes) -> bytes:
        """`pdf` with a PAdES signature added as an incremental update (the signed bytes are `pdf` itself)."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers
        from pyhanko.sign.fields import SigSeedSubFilter

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            reason="Evidence report written by TrainTrace",
        )
        signed: io.BytesIO = signers.sign_pdf(writer, meta, signer=self._signer)
        return signed.getvalue()


def _pyhanko_signers() -> Any:
    try:
        from pyhanko.sign import signers
    except ImportError as exc:
        raise UsageError(f"signing a report needs pyHanko: {SIGN_EXTRA}") from exc
    return signers


def _load(signers: Any, key: SigningKey) -> Any:
    for path in (key.certificate, key.key):
        if path is not None and not Path(path).is_file():
            raise UsageError(f"{path}: no such file")
    quiet = logging.getLogger("pyhanko")  # pyHanko logs a traceback before returning None; the message says it all
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        if key.is_pkcs12:
            try:
                return signers.SimpleSigner.load_pkcs12_data(
                    Path(key.certificate).read_bytes(), other_certs=(), passphrase=key.passphrase
                )
            except ValueError as exc:
                raise UsageError(
                    f"{key.certificate}: not a PKCS#12 file this passphrase opens (give --passphrase-stdin for an "
                    "encrypted one)"
                ) from exc
        loaded = signers.SimpleSigner.load(str(key.key), str(key.certificate), key_passphrase=key.passphrase)
    finally:
        quiet.setLevel(level)
    if loaded is None:
        raise UsageError(
            f"cannot sign with {key.certificate} and {key.key}: give a PEM or DER certificate and its private key "
            "(an encrypted key needs --passphrase-stdin)"
        )
    return loaded


def _public_key(private_der: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_der_private_key(private_der, password=None)
    return private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
