"""`traintrace profile set|show`: the artist's names, handles, domains and work titles."""

from __future__ import annotations

import click
from rich.markup import escape

from core.cli.context import CliContext
from core.profile import Profile


@click.group()
def profile() -> None:
    """The artist: names, aliases, handles, domains and upload URLs used for URL and caption matching."""


@profile.command("set")
@click.option("--name", help="Your name as it appears in credits.")
@click.option("--alias", "aliases", multiple=True, help="Another name you publish under (repeatable).")
@click.option("--domain", "domains", multiple=True, help="A domain you own, e.g. yourname.art (repeatable).")
@click.option("--handle", "handles", multiple=True, help="A social handle, e.g. @yourname (repeatable).")
@click.option("--url-prefix", "url_prefixes", multiple=True, help="An upload page, e.g. https://www.artstation.com/you")
@click.option(
    "--title", "titles", multiple=True, help="A title of one of your works, named when it stands beside your name."
)
@click.option("--email", help="Contact address used in letters.")
@click.pass_obj
def set_profile(
    obj: CliContext,
    name: str | None,
    aliases: tuple[str, ...],
    domains: tuple[str, ...],
    handles: tuple[str, ...],
    url_prefixes: tuple[str, ...],
    titles: tuple[str, ...],
    email: str | None,
) -> None:
    """Set the profile; options not given keep their current value.

    Entries that would match other people's pictures are refused, with the reason: names, aliases and titles
    made of common words or shorter than 3 letters, and a shared platform's domain (artstation.com,
    pinterest.com ...) instead of your own address there (--url-prefix https://www.artstation.com/NAME)."""
    with obj.open_app() as app:
        current = app.profile()
        updated = Profile(
            name=current.name if name is None else name.strip(),
            aliases=aliases or current.aliases,
            domains=domains or current.domains,
            handles=handles or current.handles,
            url_prefixes=url_prefixes or current.url_prefixes,
            email=current.email if email is None else email.strip(),
            titles=titles or current.titles,
        )
        _print(obj, app.set_profile(updated, command_line=True))


@profile.command("show")
@click.pass_obj
def show(obj: CliContext) -> None:
    """Print the profile."""
    with obj.open_app() as app:
        _print(obj, app.profile())


def _print(obj: CliContext, current: Profile) -> None:
    from core.matching.profile_rules import notes  # loads the matchers' lists only when a profile is printed

    rows = [
        ("name", current.name),
        ("aliases", ", ".join(current.aliases)),
        ("domains", ", ".join(current.domains)),
        ("handles", ", ".join(current.handles)),
        ("URL prefixes", ", ".join(current.url_prefixes)),
        ("work titles", ", ".join(current.titles)),
        ("email", current.email),
    ]
    for label, value in rows:
        obj.console.print(f"{label:>13}: {escape(value or '-')}", highlight=False)
    for line in notes(current):  # a profile saved before the rules that refuse these entries
        obj.console.print(escape(line), highlight=False)
