"""Locating data shipped in the `resources` package (works in a wheel, an editable install and a bundle)."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    return Path(str(files("resources").joinpath(*parts)))


def sample_portfolio_dir() -> Path:
    return resource_path("sample_portfolio")


def sample_profile_file() -> Path:
    return resource_path("sample_portfolio", "profile.json")


def sample_datasets() -> list[tuple[str, str, Path]]:
    """(dataset id, schema, file) of each bundled sample dataset."""
    listing = tomllib.loads(resource_path("sample_datasets", "samples.toml").read_text(encoding="utf-8"))
    return [(s["id"], s["schema"], resource_path("sample_datasets", s["file"])) for s in listing["sample"]]
