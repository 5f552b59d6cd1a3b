"""Act where the match is: the opt-out routes that apply to one match, each with the text it would generate.

A route is one of the letters the pack writes, rendered from the same templates for this match alone: the
LAION request with its SAMPLE_ID (LAION datasets), the Spawning Do-Not-Train entry for its URL with the
registry's last answer, a notice to the host of the copy (never to the artist's own site), the Art. 4(3)
reservation and the OpenAI checklist. The text is a preview: nothing is written here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.catalogue.matches import Match
from core.datasets.descriptors import Descriptor
from core.letters.context import letter_context
from core.letters.render import letter_environment, letters_wanted, render_text
from core.profile import Profile

ORDER = (
    "laion-request", "dataset-request", "spawning-do-not-train", "host-notice", "own-uploads",
    "reservation-notice", "openai-checklist",
)  # fmt: skip


@dataclass(frozen=True)
class Route:
    letter: str  # the template: laion-request, spawning-do-not-train, host-notice, ...
    stem: str  # the file name the pack gives it (without .txt / .md)
    title: str
    text: str  # the plain-text letter for this match alone
    generated: bool  # a file of this name was written before (the generated-files records)


def routes_for(
    match: Match,
    profile: Profile,
    datasets: Mapping[str, Descriptor],
    generated_at: datetime,
    generated_names: Collection[str] = (),
    templates_dir_override: Path | None = None,
) -> list[Route]:
    """The routes for `match` (treated as confirmed: this is what acting on it would send)."""
    return routes_for_matches([match], profile, datasets, generated_at, generated_names, templates_dir_override)


def routes_for_matches(
    matches: Sequence[Match],
    profile: Profile,
    datasets: Mapping[str, Descriptor],
    generated_at: datetime,
    generated_names: Collection[str] = (),
    templates_dir_override: Path | None = None,
) -> list[Route]:
    """The routes for several matches at once, each letter covering all of them (one LAION request listing every
    SAMPLE_ID, one Spawning list with every URL, one notice per host); treated as confirmed."""
    confirmed = [dataclasses.replace(match, status="confirmed") for match in matches]
    context = letter_context(profile, confirmed, datasets, generated_at)
    env = letter_environment("txt", templates_dir_override)
    routes = []
    for letter, stem, extra in letters_wanted(context):
        text = render_text(env, f"{letter}.txt.j2", {**context, **extra})
        generated = f"{stem}.txt" in generated_names or f"{stem}.md" in generated_names
        title = _title(letter, confirmed, {**context, **extra})
        routes.append(Route(letter, stem, title, text, generated))
    return sorted(routes, key=lambda route: ORDER.index(route.letter) if route.letter in ORDER else len(ORDER))


def _title(letter: str, matches: Sequence[Match], values: Mapping[str, Any]) -> str:
    """What a route is called in the list: about the one match acted on, or counting what the letter lists."""
    one = matches[0] if len(matches) == 1 else None
    if letter == "laion-request":
        if one:
            return f"LAION removal request for SAMPLE_ID {one.row_id}"
        ids = {listing.row_id for group in values["laion_datasets"] for listing in group.listings}
        return f"LAION removal request listing {_n(len(ids), 'SAMPLE_ID')}"
    if letter == "dataset-request":
        group = values["group"]
        rows = f"row {one.row_id}" if one else _n(len(group.listings), "row")
        return f"Request to the maintainers of {group.name} for {rows}"
    if letter == "spawning-do-not-train":
        if one:
            return f"Spawning Do-Not-Train entry for this URL (registry: opted out {one.opted_out})"
        return f"Spawning Do-Not-Train entries for {_n(len({m.url for m in matches if m.url}), 'URL')}"
    if letter == "host-notice":
        host = values["host"]
        return f"Notice to the host {host.host}" + ("" if one else f" ({_n(len(host.listings), 'copy', 'copies')})")
    if letter == "own-uploads":
        return f"Your own upload{'' if one else 's'} on {values['host'].host}: the host's signals, no takedown"
    if letter == "reservation-notice":
        return "Art. 4(3) reservation notice" + ("" if one else f" ({_n(len(matches), 'match', 'matches')})")
    if letter == "openai-checklist":
        return "OpenAI image opt-out checklist entr" + ("y" if one else "ies")
    return letter


def _n(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
