"""Optional C2PA signing: the cawg.training-mining assertion, signed with a test-issued certificate, read back
with c2pa's own Reader; the XMP tag and the pixels survive signing."""

from __future__ import annotations

import datetime
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from core.errors import UsageError
from core.optout.c2pa_sign import TRAINING_MINING_LABEL, TRAINING_MINING_USES, SigningCredentials
from core.optout.tagging import TagStatus, tag_copies
from core.profile import Profile

c2pa = pytest.importorskip("c2pa", reason="c2pa-python is an optional dependency")
x509 = pytest.importorskip("cryptography.x509", reason="cryptography makes the test certificates")

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

MIME = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".tif": "image/tiff"}


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common_name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test")]
    )


def _key_usage(*, sign_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not sign_certificates,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certificates,
        crl_sign=sign_certificates,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture(scope="module")
def credentials() -> SigningCredentials:
    """A self-issued CA and an artist's signing certificate (C2PA refuses a bare self-signed leaf)."""
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    end = start + datetime.timedelta(days=30)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder(_name("Test CA"), _name("Test CA"), ca_key.public_key(), 1, start, end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(sign_certificates=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder(_name("Ada Okonkwo-Lindqvist"), ca.subject, key.public_key(), 2, start, end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign_certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return SigningCredentials(
        certificate_chain_pem=leaf.public_bytes(pem) + ca.public_bytes(pem),
        private_key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


def _active_manifest(path: Path) -> tuple[dict[str, object], str]:
    with c2pa.Reader(MIME[path.suffix], io.BytesIO(path.read_bytes())) as reader:
        store = json.loads(reader.json())
        return store["manifests"][store["active_manifest"]], reader.get_validation_state()


def test_signed_copies_carry_all_four_not_allowed_entries(tmp_path: Path, credentials: SigningCredentials) -> None:
    picture = Image.new("RGB", (40, 30), (120, 60, 200))
    sources = [tmp_path / "w.jpg", tmp_path / "w.png", tmp_path / "w.webp"]
    picture.save(sources[0], quality=90)
    picture.save(sources[1])
    picture.save(sources[2], lossless=True)
    results = tag_copies(sources, tmp_path / "out", Profile(name="Ada"), c2pa_credentials=credentials)
    for source, result in zip(sources, results, strict=True):
        assert result.status is TagStatus.TAGGED, result.message
        assert result.output is not None and "C2PA" in result.message
        manifest, state = _active_manifest(result.output)
        assert state == "Valid"  # signature checks out; the self-issued certificate is merely untrusted
        assertion = next(a for a in manifest["assertions"] if a["label"] == TRAINING_MINING_LABEL)
        assert assertion["data"]["entries"] == {use: {"use": "notAllowed"} for use in TRAINING_MINING_USES}
        with Image.open(source) as before, Image.open(result.output) as after:
            assert after.tobytes() == before.tobytes()
    exiftool = shutil.which("exiftool")
    if exiftool:
        command = [exiftool, "-j", "-n", "-XMP-plus:DataMining", *[str(r.output) for r in results]]
        tags = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        assert {item["DataMining"] for item in tags} == {"http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING"}


def test_unusable_credentials(tmp_path: Path, credentials: SigningCredentials) -> None:
    with pytest.raises(UsageError):
        SigningCredentials(b"not pem", b"nor this")
    wrong_key = SigningCredentials(
        credentials.certificate_chain_pem,
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    source = tmp_path / "w.jpg"
    Image.new("RGB", (8, 8)).save(source)
    [result] = tag_copies([source], tmp_path / "out", Profile(name="Ada"), c2pa_credentials=wrong_key)
    assert result.status is TagStatus.FAILED and "C2PA signing failed" in result.message
    assert not list((tmp_path / "out").iterdir())
