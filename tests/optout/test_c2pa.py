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
from core.optout import c2pa_sign
from core.optout.c2pa_sign import TRAINING_MINING_LABEL, TRAINING_MINING_USES, SigningCredentials
from core.optout.tagging import HeifMethod, TagMethod, TagStatus, tag_copies
from core.profile import Profile
from tests.optout import tagcorpus

c2pa = pytest.importorskip("c2pa", reason="c2pa-python is an optional dependency")
pyexiv2 = pytest.importorskip("pyexiv2")
PROHIBITED = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING"
x509 = pytest.importorskip("cryptography.x509", reason="cryptography makes the test certificates")

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

MIME = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".tif": "image/tiff", ".heic": "image/heic",
        ".avif": "image/avif"}  # fmt: skip


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


@pytest.mark.parametrize("heif", [HeifMethod.EXIFTOOL, HeifMethod.SIDECAR, HeifMethod.REENCODE])
def test_signed_copies_carry_all_four_not_allowed_entries(
    tmp_path: Path, credentials: SigningCredentials, heif: HeifMethod
) -> None:
    """Every format c2pa signs: JPEG, PNG (and GIF or BMP as PNG), WebP, TIFF (one page and many), HEIC, AVIF."""
    if heif is HeifMethod.EXIFTOOL and shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed (Debian package libimage-exiftool-perl)")
    names = ["photo.jpg", "cutout.png", "lossless.webp", "scan.tif", "animated.gif", "old.bmp", "phone.heic",
             "modern.avif"]  # fmt: skip
    sources = tagcorpus.make(tmp_path / "originals", *names)
    results = tag_copies(sources, tmp_path / "out", Profile(name="Ada"), heif=heif, c2pa_credentials=credentials)
    for source, result in zip(sources, results, strict=True):
        assert result.status is TagStatus.TAGGED, (source.name, result.message)
        assert result.output is not None and "C2PA" in result.message
        manifest, state = _active_manifest(result.output)
        assert state == "Valid", source.name  # signature checks out; the self-issued certificate is merely untrusted
        assertion = next(a for a in manifest["assertions"] if a["label"] == TRAINING_MINING_LABEL)
        assert assertion["data"]["entries"] == {use: {"use": "notAllowed"} for use in TRAINING_MINING_USES}
        if result.method is not TagMethod.REENCODED:
            assert _rgba(result.output) == _rgba(source), source.name
    carriers = [str(result.sidecar or result.output) for result in results]
    exiftool = shutil.which("exiftool")
    if exiftool:  # the XMP tag survives signing
        command = [exiftool, "-j", "-n", "-XMP-plus:DataMining", *carriers]
        tags = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        assert [item.get("DataMining") for item in tags] == [PROHIBITED] * len(carriers)
    for carrier in carriers:
        with pyexiv2.ImageData(Path(carrier).read_bytes()) as image:
            assert image.read_xmp()["Xmp.plus.DataMining"] == PROHIBITED, carrier


def _rgba(path: Path) -> list[bytes]:
    with Image.open(path) as image:
        found = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            found.append(image.convert("RGBA").tobytes())
        return found


def test_multi_page_tiff_is_not_signed(tmp_path: Path, credentials: SigningCredentials) -> None:
    """c2pa-python 0.38 adds its manifest to a multi-page TIFF as one more page, without an image: Pillow then
    fails on that page. Such a file is refused, not damaged."""
    [source] = tagcorpus.make(tmp_path / "originals", "pages.tif")
    signed = c2pa_sign.sign_training_mining(source.read_bytes(), "TIFF", source.name, credentials)
    (tmp_path / "signed.tif").write_bytes(signed)
    with pytest.raises((OSError, TypeError)):
        _rgba(tmp_path / "signed.tif")
    [result] = tag_copies([source], tmp_path / "out", Profile(name="Ada"), c2pa_credentials=credentials)
    assert result.status is TagStatus.FAILED and "multi-page TIFF" in result.message
    assert not list((tmp_path / "out").iterdir())


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
