"""Locating data shipped in the `resources` package (works in a wheel, an editable install and a bundle)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    return Path(str(files("resources").joinpath(*parts)))


def sample_portfolio_dir() -> Path:
    return resource_path("sample_portfolio")
