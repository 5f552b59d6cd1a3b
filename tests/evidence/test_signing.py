"""`report --sign`: a PAdES signature with a throwaway certificate, checked by two independent validators (pyHanko's
and poppler's pdfsig), and broken by one changed byte."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pypdf import PdfReader

from core.catalogue.db import open_database
from core.catalogue.matches import FoundMatch, MatchRepository
from core.cli.main import main
from core.paths import AppPaths

pyhanko = pytest.importorskip("pyhanko", reason="pyHanko (the 'sign' extra) is not installed")
from pyhanko.keys import load_cert_from_pemder  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.validation import validate_pdf_signature  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402

SIGNER = "Zoë Test Artist"
PDFSIG = shutil.which("pdfsig")
needs_pdfsig = pytest.mark.skipif(PDFSIG is None, reason="pdfsig (Debian poppler-utils) is not installed")


def _certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway self-signed signing certificate: (cert.pem, key.pem, bundle.p12 with passphrase 'secret')."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SIGNER), x509.NameAttribute(NameOID.COUNTRY_NAME, "DE")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file, p12_file = folder / "cert.pem", folder / "key.pem", folder / "bundle.p12"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    p12_file.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer", key, cert, None, serialization.BestAvailableEncryption(b"secret")
        )
    )
    return cert_file, key_file, p12_file


def _cli(home: Path, *args: str | Path) -> int:
    return main(["--data-dir", str(home), *map(str, args)])


def _home_with_a_confirmed_match(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert _cli(home, "profile", "set", "--name", "Ada Lindqvist", "--domain", "ada-paints.art") == 0
    db = open_database(AppPaths.resolve(home).catalogue_file)
    row = FoundMatch(None, "laion-sample", "4242", "url", None, 0.9, "https://ada-paints.art/w/sun.jpg", "Sun",
                     None, "URL on the artist's domain", "full", "local index")  # fmt: skip
    MatchRepository(db).record([row], "2026-11-26T00:00:00+00:00")
    db.close()
    assert _cli(home, "matches", "confirm", "1") == 0
    return home


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(signed PDF, its certificate)."""
    tmp_path = tmp_path_factory.mktemp("signed")
    home = _home_with_a_confirmed_match(tmp_path)
    cert, key, _ = _certificate(tmp_path / "keys")
    pdf = tmp_path / "evidence.pdf"
    assert _cli(home, "report", "--pdf", pdf, "--sign", cert, "--key", key) == 0
    return pdf, cert


def _pyhanko_status(pdf: bytes, cert: Path) -> object:
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[load_cert_from_pemder(str(cert))]))


def test_pyhanko_validates_the_signature_over_the_whole_file(signed: tuple[Path, Path]) -> None:
    pdf, cert = signed
    status = _pyhanko_status(pdf.read_bytes(), cert)
    assert status.intact and status.valid and status.trusted and status.bottom_line  # type: ignore[attr-defined]
    assert status.coverage.name == "ENTIRE_FILE"  # type: ignore[attr-defined]
    assert SIGNER in status.signing_cert.subject.human_friendly  # type: ignore[attr-defined]


def test_the_cover_names_the_signer_and_the_manifest_is_inside_the_signed_bytes(signed: tuple[Path, Path]) -> None:
    pdf, _ = signed
    reader = PdfReader(pdf)
    cover = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "PAdES signature of" in cover and "Zoë Test Artist" in cover and "self-issued" in cover
    assert reader.attachments["manifest.json"] == [pdf.with_name(pdf.name + ".manifest.json").read_bytes()]


@needs_pdfsig
def test_pdfsig_validates_the_signature(signed: tuple[Path, Path]) -> None:
    pdf, _ = signed
    out = subprocess.run([str(PDFSIG), str(pdf)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature Validation: Signature is Valid." in out, out
    assert "Total document signed" in out, out
    assert SIGNER in out


def _one_byte_changed(pdf: Path) -> bytes:
    """The signed PDF with one letter of its (signed) document title changed."""
    data = bytearray(pdf.read_bytes())
    where = data.index(b"/Title (") + len(b"/Title (")
    data[where] = ord("e") if data[where] != ord("e") else ord("f")
    return bytes(data)


def test_one_changed_byte_breaks_the_signature(signed: tuple[Path, Path], tmp_path: Path) -> None:
    pdf, cert = signed
    changed = _one_byte_changed(pdf)
    assert sum(a != b for a, b in zip(changed, pdf.read_bytes(), strict=True)) == 1
    status = _pyhanko_status(changed, cert)
    assert not status.intact and not status.bottom_line  # type: ignore[attr-defined]  # digest mismatch
    if PDFSIG is not None:
        (tmp_path / "changed.pdf").write_bytes(changed)
        out = subprocess.run([PDFSIG, str(tmp_path / "changed.pdf")], capture_output=True, text=True, timeout=60)
        assert "Signature is Valid" not in out.stdout and "Digest Mismatch" in out.stdout, out.stdout


def test_a_pkcs12_file_signs_with_its_passphrase_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home_with_a_confirmed_match(tmp_path)
    cert, _, bundle = _certificate(tmp_path / "keys")
    pdf = tmp_path / "evidence.pdf"
    monkeypatch.setattr(sys, "stdin", io.StringIO("wrong\n"))
    assert _cli(home, "report", "--pdf", pdf, "--sign", bundle, "--passphrase-stdin") != 0
    assert not pdf.exists()  # a wrong passphrase fails before anything is written
    monkeypatch.setattr(sys, "stdin", io.StringIO("secret\n"))
    assert _cli(home, "report", "--pdf", pdf, "--sign", bundle, "--passphrase-stdin") == 0
    status = _pyhanko_status(pdf.read_bytes(), cert)
    assert status.intact and status.valid  # type: ignore[attr-defined]


def test_a_key_that_is_not_the_certificates_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = _home_with_a_confirmed_match(tmp_path)
    cert, _, _ = _certificate(tmp_path / "one")
    _, other_key, _ = _certificate(tmp_path / "two")
    assert _cli(home, "report", "--pdf", tmp_path / "e.pdf", "--sign", cert, "--key", other_key) != 0
    assert "does not belong to the certificate" in capsys.readouterr().err
    assert not (tmp_path / "e.pdf").exists()


def test_unsigned_is_the_default_and_the_cover_says_so(tmp_path: Path) -> None:
    home = _home_with_a_confirmed_match(tmp_path)
    assert _cli(home, "report", "--pdf", tmp_path / "e.pdf") == 0
    reader = PdfReader(tmp_path / "e.pdf")
    assert "/Sig" not in str(reader.trailer["/Root"].get("/AcroForm", {}))
    assert "none: this PDF is not signed" in re.sub(r"\s+", " ", reader.pages[0].extract_text())
