"""Rendering the letters and lists from Jinja2 templates, as plain text and as Markdown.

Templates are looked up in the user's folder first (`<data dir>/templates/`), then in resources/letters/, so
a user's `laion-request.md.j2` replaces the shipped one. They run in Jinja2's sandbox with `StrictUndefined`
(a misspelt name fails loudly instead of printing nothing).

Escaping: HTML autoescaping is off for both formats (it would turn `&` in URLs into `&amp;`). Instead every
`{{ value }}` passes through a `finalize` hook: in .txt templates it becomes inert plain text (no control or
bidi-override characters, no line breaks that could fake a new paragraph); in .md templates it is also
backslash-escaped so a caption cannot become a link, an image or a heading. `{{ url | code }}` puts a URL in a
code span, shown literally and never turned into a link. Captions and URLs are only ever *values*: they are
never compiled as templates, so `{{ ... }}` inside a caption is printed as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from core.catalogue.matches import Match
from core.datasets.descriptors import Descriptor
from core.errors import UsageError
from core.evidence.text import plain_text
from core.files import prepare_output_dir
from core.keep_edits import Outcome, RecordedHashes, no_records, place_file
from core.letters.context import DatasetListings, HostListings, letter_context
from core.profile import Profile
from core.resources import resource_path

FORMATS = ("txt", "md")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~#&])")
_FILE_SAFE = re.compile(r"[^a-z0-9.-]+")


@dataclass(frozen=True)
class GeneratedFile:
    letter: str  # e.g. "laion-request", "host-notice"
    format: str  # "txt" or "md"
    path: Path  # where the new text is: the letter's file, or `NAME.new` beside a file the artist edited
    sha256: str
    template: Path | None  # the template file used (a user's override or the shipped one)
    outcome: Outcome = Outcome.CREATED
    target: Path | None = None  # the letter's own file name (differs from `path` when written beside it)


class Verbatim(str):
    """Markdown the renderer made itself (a code span): not escaped again by `finalize`."""


def markdown_text(value: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", plain_text(value))


def code_span(value: object) -> Verbatim:
    """`value` in a Markdown code span; a backtick (or a table's `|`) inside is percent-encoded so the span
    cannot be closed (or a table cell split)."""
    text = plain_text("" if value is None else str(value)).replace("`", "%60").replace("|", "%7C")
    return Verbatim(f"`{text}`") if text else Verbatim("")


def _finalize_txt(value: object) -> str:
    return "" if value is None else plain_text(str(value))


def _finalize_md(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Verbatim):
        return str(value)
    return markdown_text(str(value))


def letter_environment(fmt: str, override: Path | None) -> SandboxedEnvironment:
    loaders = [FileSystemLoader(str(override))] if override is not None and override.is_dir() else []
    loaders.append(FileSystemLoader(str(resource_path("letters"))))
    finalize: Callable[[object], str] = _finalize_md if fmt == "md" else _finalize_txt
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=False,
        undefined=StrictUndefined,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["code"] = code_span if fmt == "md" else _finalize_txt
    return env


def user_templates_dir(data_dir: Path) -> Path:
    """Where a user's own templates live: `<data dir>/templates/` (pass it as `templates_dir_override`)."""
    return data_dir / "templates"


def letters_wanted(context: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(letter id, output stem, extra context) of each letter the confirmed matches call for."""
    wanted: list[tuple[str, str, dict[str, Any]]] = [("reservation-notice", "reservation-notice", {})]
    if context["laion_datasets"]:
        wanted.append(("laion-request", "laion-request", {}))
    groups: Sequence[DatasetListings] = context["datasets"]
    for group in groups:  # every other dataset gets its own request, saying where it goes (or that nothing is known)
        if not group.is_laion:
            wanted.append(("dataset-request", f"dataset-request-{_FILE_SAFE.sub('_', group.id)}", {"group": group}))
    if context["urls"] or context["urls_left_out"]:
        wanted.append(("spawning-do-not-train", "spawning-do-not-train", {}))
    if context["works"]:
        wanted.append(("openai-checklist", "openai-checklist", {}))
    hosts: Sequence[HostListings] = context["hosts"]
    for host in hosts:
        wanted.append(("host-notice", f"host-notice-{_FILE_SAFE.sub('_', host.host)}", {"host": host}))
    own: Sequence[HostListings] = context["own_upload_hosts"]  # the artist's own uploads: advice, no takedown
    for host in own:
        wanted.append(("own-uploads", f"own-uploads-{_FILE_SAFE.sub('_', host.host)}", {"host": host}))
    return wanted


def render_letters(
    out_dir: Path,
    profile: Profile,
    confirmed: list[Match],
    datasets: dict[str, Descriptor],
    generated_at: datetime,
    templates_dir_override: Path | None = None,
    recorded: RecordedHashes = no_records,
) -> list[GeneratedFile]:
    """Write each letter as .txt and .md into `out_dir` (created if needed); return the files written.

    Always a reservation notice; a LAION request when a confirmed match is in a LAION dataset; the Spawning
    list and the OpenAI checklist when there are URLs / works; one notice per host of copies (other than the
    artist's own domains). A letter the artist edited since TrainTrace wrote it (its SHA-256 is not among
    `recorded`) is never touched: the new version goes beside it as `NAME.new`.
    """
    if profile.is_empty:
        raise UsageError("the profile is empty: set at least the artist's name (`traintrace profile set`)")
    context = letter_context(profile, confirmed, datasets, generated_at)
    prepare_output_dir(out_dir)
    environments = {fmt: letter_environment(fmt, templates_dir_override) for fmt in FORMATS}
    written = []
    for letter, stem, extra in letters_wanted(context):
        for fmt in FORMATS:
            name = f"{letter}.{fmt}.j2"
            path = out_dir / f"{stem}.{fmt}"
            written.append(_render_one(environments[fmt], name, {**context, **extra}, path, recorded))
    return written


def _render_one(
    env: SandboxedEnvironment, name: str, context: dict[str, Any], path: Path, recorded: RecordedHashes
) -> GeneratedFile:
    """Render one template to `path`; a broken (user) template is a `UsageError` naming the file."""
    template = _template(env, name)
    text = render_text(env, name, context)
    placed = place_file(path, text.encode("utf-8"), recorded=recorded)
    letter, fmt = name.removesuffix(".j2").rsplit(".", 1)
    source = Path(template.filename) if template.filename else None
    return GeneratedFile(letter, fmt, placed.path, placed.sha256, source, placed.outcome, path)


def _template(env: SandboxedEnvironment, name: str) -> Template:
    try:
        return env.get_template(name)
    except TemplateNotFound as exc:
        raise UsageError(f"no letter template {name} in the templates folder or the app") from exc
    except TemplateSyntaxError as exc:
        raise UsageError(f"letter template {exc.filename or name}, line {exc.lineno}: {exc.message}") from exc


def render_text(env: SandboxedEnvironment, name: str, context: dict[str, Any]) -> str:
    """Render one template; a broken (user) template is a `UsageError` naming the file."""
    template = _template(env, name)
    try:
        return template.render(context)
    except (UndefinedError, SecurityError) as exc:
        raise UsageError(f"letter template {template.filename or name}: {exc}") from exc
