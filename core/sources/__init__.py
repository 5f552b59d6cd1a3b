"""Remote sources, registered explicitly (no entry-point discovery, so the frozen app includes them all).

`SOURCE_TYPES` lists every built-in source class; `create_source(id, config)` builds one.
"""

from __future__ import annotations

from core.errors import UsageError
from core.sources.base import Hit, OptOutStatus, OutgoingRequest, SettingSpec, Source, SourceConfig, SourceResult
from core.sources.clip_retrieval import ClipRetrievalSource
from core.sources.datasette import DatasetteSource
from core.sources.hf_viewer import HfViewerSource
from core.sources.query import HubDataset, SourceQuery
from core.sources.spawning import SpawningSource

SOURCE_TYPES: tuple[type[Source], ...] = (HfViewerSource, SpawningSource, ClipRetrievalSource, DatasetteSource)


def source_ids() -> tuple[str, ...]:
    return tuple(source_type.id for source_type in SOURCE_TYPES)


def source_type(source_id: str) -> type[Source]:
    """The class registered under `source_id`; `UsageError` naming the known ids otherwise."""
    for candidate in SOURCE_TYPES:
        if candidate.id == source_id:
            return candidate
    raise UsageError(f"unknown source {source_id!r}; known sources: {', '.join(source_ids())}")


def create_source(source_id: str, config: SourceConfig | None = None) -> Source:
    return source_type(source_id)(config)


__all__ = [
    "SOURCE_TYPES",
    "ClipRetrievalSource",
    "DatasetteSource",
    "HfViewerSource",
    "Hit",
    "HubDataset",
    "OptOutStatus",
    "OutgoingRequest",
    "SettingSpec",
    "Source",
    "SourceConfig",
    "SourceQuery",
    "SourceResult",
    "SpawningSource",
    "create_source",
    "source_ids",
    "source_type",
]
