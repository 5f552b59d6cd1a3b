"""The evidence report: what was searched, and each confirmed match beside the local work, as a PDF + manifest."""

from core.evidence.inputs import EvidenceInput, build_evidence_input, gather_evidence
from core.evidence.manifest import EvidenceManifest, manifest_path_for, matches_json
from core.evidence.pdf import build_evidence_pdf
from core.evidence.signing import ReportSigner, SigningKey

__all__ = [
    "EvidenceInput",
    "EvidenceManifest",
    "ReportSigner",
    "SigningKey",
    "build_evidence_input",
    "build_evidence_pdf",
    "gather_evidence",
    "manifest_path_for",
    "matches_json",
]
