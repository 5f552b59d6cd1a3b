"""Typed, versioned user settings stored as TOML. Secrets never live here (they go to the keyring).

Unknown keys are ignored (a newer version may have written them); a wrong type is a `SettingsError`
naming the key, so a hand-edited file fails loudly instead of silently using a default.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

from core.errors import SettingsError
from core.files import write_atomically
from core.paths import PRIVATE_FILE_MODE, make_private_dirs

SETTINGS_VERSION = 1
DEFAULT_MAX_DISTANCE = 8  # pHash Hamming threshold, chosen from bench/eval_recall.py (see core/matching/scoring.py)

T = TypeVar("T")


@dataclass(frozen=True)
class ScanSettings:
    """Limits that keep a hostile or broken file from taking the machine down."""

    max_image_pixels: int = 250_000_000  # decompression-bomb guard; a 100 MP scan is legitimate
    max_file_bytes: int = 2 * 1024**3
    max_side: int = 100_000  # absurd header dimensions are refused before decoding
    workers: int = 0  # 0: one per CPU core


@dataclass(frozen=True)
class MatchingSettings:
    max_distance: int = DEFAULT_MAX_DISTANCE


@dataclass(frozen=True)
class CheckSettings:
    """The app's check: which configured remote sources a drop asks automatically (comma-separated ids)."""

    ask_sources: str = ""


SOURCE_KEYS = ("url", "index", "table", "url_column", "text_column")


@dataclass(frozen=True)
class AcceptedPreview:
    """The user accepted what a source sends on every check (the app's "what will be sent" preview).

    `fingerprint` identifies what would be sent (core.sources.consent: where, which kinds of data, which names);
    `shape` is that in words, so a later change can be shown line by line; `accepted_at` is UTC ISO 8601."""

    fingerprint: str
    accepted_at: str
    shape: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """`sources` maps a remote source id to its non-secret settings (tokens live in the keyring)."""

    version: int = SETTINGS_VERSION
    scan: ScanSettings = dataclasses.field(default_factory=ScanSettings)
    matching: MatchingSettings = dataclasses.field(default_factory=MatchingSettings)
    sources: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    check: CheckSettings = dataclasses.field(default_factory=CheckSettings)
    accepted_previews: dict[str, AcceptedPreview] = dataclasses.field(default_factory=dict)

    def with_source(self, source_id: str, values: dict[str, str]) -> Settings:
        merged = {**self.sources.get(source_id, {}), **{k: v for k, v in values.items() if v is not None}}
        return dataclasses.replace(self, sources={**self.sources, source_id: merged})

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read settings file {path}: {exc}") from exc
        return cls(
            scan=_section(ScanSettings, raw.get("scan", {}), "scan"),
            matching=_section(MatchingSettings, raw.get("matching", {}), "matching"),
            sources=_sources(raw.get("sources", {})),
            check=_section(CheckSettings, raw.get("check", {}), "check"),
            accepted_previews=_accepted(raw.get("accepted_previews", {})),
        )

    def save(self, path: Path) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a settings file."""
        make_private_dirs(path.parent)
        write_atomically(path, tomli_w.dumps(dataclasses.asdict(self)).encode("utf-8"), PRIVATE_FILE_MODE)


def _section(kind: type[T], values: Any, name: str) -> T:
    if not isinstance(values, dict):
        raise SettingsError(f"settings: [{name}] must be a table")
    defaults = kind()
    kwargs: dict[str, Any] = {}
    for field in fields(kind):  # type: ignore[arg-type]
        if field.name not in values:
            continue
        value = values[field.name]
        expected = type(getattr(defaults, field.name))
        if type(value) is not expected:
            raise SettingsError(f"settings: {name}.{field.name} must be {expected.__name__}, got {value!r}")
        kwargs[field.name] = value
    return kind(**kwargs)


def _sources(values: Any) -> dict[str, dict[str, str]]:
    if not isinstance(values, dict):
        raise SettingsError("settings: [sources] must be a table")
    found: dict[str, dict[str, str]] = {}
    for source_id, entry in values.items():
        if not isinstance(entry, dict):
            raise SettingsError(f"settings: [sources.{source_id}] must be a table")
        for key, value in entry.items():
            if key not in SOURCE_KEYS or not isinstance(value, str):
                raise SettingsError(f"settings: sources.{source_id}.{key} is not a known text setting")
        found[str(source_id)] = dict(entry)
    return found


def _accepted(values: Any) -> dict[str, AcceptedPreview]:
    if not isinstance(values, dict):
        raise SettingsError("settings: [accepted_previews] must be a table")
    found: dict[str, AcceptedPreview] = {}
    for source_id, entry in values.items():
        where = f"settings: accepted_previews.{source_id}"
        if not isinstance(entry, dict):
            raise SettingsError(f"{where} must be a table")
        fingerprint, accepted_at, shape = entry.get("fingerprint"), entry.get("accepted_at", ""), entry.get("shape", [])
        if not isinstance(fingerprint, str) or not isinstance(accepted_at, str):
            raise SettingsError(f"{where}: fingerprint and accepted_at must be text")
        if not isinstance(shape, list) or not all(isinstance(line, str) for line in shape):
            raise SettingsError(f"{where}.shape must be a list of text lines")
        found[str(source_id)] = AcceptedPreview(fingerprint, accepted_at, tuple(shape))
    return found
