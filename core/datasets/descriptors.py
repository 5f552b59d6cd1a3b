"""Dataset descriptors: what a dataset is, where its shards live and which column holds what.

They ship as data in resources/datasets/descriptors.toml; a user's own Parquet or CSV gets one from a schema
name and/or `FIELD=COLUMN` mappings. Column names are compared case-insensitively (mirrors differ: `URL`/`url`).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import UsageError
from core.resources import resource_path

FIELDS = ("row_id", "url", "text", "phash", "sha256", "width", "height")
KIND_FIELDS = {"phash": "phash", "sha256": "sha256", "url": "url", "text": "text"}
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class HubLocation:
    repo: str
    revision: str = "main"
    pattern: str = "*.parquet"


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str = ","
    header: bool = True
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Descriptor:
    id: str
    name: str
    schema: str
    columns: Mapping[str, str]
    kinds: tuple[str, ...]
    homepage: str = ""
    licence: str = ""
    rows: int | None = None
    hub: HubLocation | None = None
    csv: CsvOptions | None = None
    coverage: str = ""
    optout: str = ""
    notes: str = ""
    sources: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["columns"] = dict(self.columns)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Descriptor:
        hub = HubLocation(**data["hub"]) if data.get("hub") else None
        csv = CsvOptions(**{**data["csv"], "names": tuple(data["csv"].get("names", ()))}) if data.get("csv") else None
        return cls(
            **{key: value for key, value in data.items() if key not in ("hub", "csv", "kinds", "sources", "columns")},
            columns=dict(data["columns"]),
            kinds=tuple(data["kinds"]),
            sources=tuple(data.get("sources", ())),
            hub=hub,
            csv=csv,
        )


@dataclass(frozen=True)
class Schema:
    name: str
    columns: Mapping[str, str]
    kinds: tuple[str, ...]
    csv: CsvOptions | None


def _load_file() -> dict[str, Any]:
    return tomllib.loads(resource_path("datasets", "descriptors.toml").read_text(encoding="utf-8"))


def builtin_schemas() -> dict[str, Schema]:
    schemas = {}
    for name, raw in _load_file()["schemas"].items():
        csv = CsvOptions(**{**raw["csv"], "names": tuple(raw["csv"].get("names", ()))}) if "csv" in raw else None
        schemas[name] = Schema(name, dict(raw["columns"]), tuple(raw["kinds"]), csv)
    return schemas


def builtin_descriptors() -> dict[str, Descriptor]:
    schemas = builtin_schemas()
    found = {}
    for raw in _load_file()["dataset"]:
        schema = schemas[raw["schema"]]
        hub = HubLocation(**raw["hub"]) if "hub" in raw else None
        extra = {key: raw[key] for key in ("homepage", "licence", "rows", "coverage", "optout", "notes") if key in raw}
        found[raw["id"]] = Descriptor(
            id=raw["id"], name=raw["name"], schema=schema.name, columns=schema.columns, kinds=schema.kinds,
            hub=hub, csv=schema.csv, **extra,
        )  # fmt: skip
    return found


def parse_mappings(pairs: Sequence[str]) -> dict[str, str]:
    """`FIELD=COLUMN` strings from the command line into a mapping, validated."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        field_name, sep, column = pair.partition("=")
        field_name, column = field_name.strip().lower(), column.strip()
        if not sep or not column:
            raise UsageError(f"--map expects FIELD=COLUMN, got {pair!r}")
        if field_name not in FIELDS:
            raise UsageError(f"unknown field {field_name!r} in --map; fields are {', '.join(FIELDS)}")
        mapping[field_name] = column
    return mapping


def resolve_descriptor(
    dataset_id: str, schema: str | None, mappings: Mapping[str, str], sources: Sequence[str]
) -> Descriptor:
    """The descriptor for `dataset add`: a built-in one, or one made from a schema and/or mappings."""
    if not _ID_PATTERN.match(dataset_id):
        raise UsageError(f"dataset name {dataset_id!r}: use lowercase letters, digits, '.', '_' or '-'")
    schemas = builtin_schemas()
    if schema is not None and schema not in schemas:
        raise UsageError(f"unknown schema {schema!r}; use one of {', '.join(sorted(schemas))}")
    base = builtin_descriptors().get(dataset_id)
    if base is None:
        if schema is None and not mappings:
            known = ", ".join(sorted(builtin_descriptors()))
            raise UsageError(f"{dataset_id!r} is not a known dataset ({known}); give --schema or --map FIELD=COLUMN")
        chosen = schemas[schema] if schema else Schema("custom", {}, (), None)
        base = Descriptor(id=dataset_id, name=dataset_id, schema=chosen.name, columns=chosen.columns,
                          kinds=chosen.kinds, csv=chosen.csv)  # fmt: skip
    elif schema is not None and schema != base.schema:
        chosen = schemas[schema]
        base = dataclasses.replace(base, schema=schema, columns=chosen.columns, kinds=chosen.kinds, csv=chosen.csv)
    columns = {**base.columns, **mappings}
    kinds = tuple(kind for kind, needed in KIND_FIELDS.items() if needed in columns)
    if not kinds:
        raise UsageError("the column mapping names no column to match on (phash, sha256, url or text)")
    return dataclasses.replace(base, columns=columns, kinds=kinds, sources=tuple(sources))
