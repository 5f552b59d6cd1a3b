"""`traintrace profile set|show`: the artist's names, handles and domains."""

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
@click.option("--email", help="Contact address used in letters.")
@click.pass_obj
def set_profile(
    obj: CliContext,
    name: str | None,
    aliases: tuple[str, ...],
    domains: tuple[str, ...],
    handles: tuple[str, ...],
    url_prefixes: tuple[str, ...],
    email: str | None,
) -> None:
    """Set the profile; options not given keep their current value."""
    with obj.open_app() as app:
        current = app.profile()
        updated = Profile(
            name=current.name if name is None else name.strip(),
            aliases=aliases or current.aliases,
            domains=domains or current.domains,
            handles=handles or current.handles,
            url_prefixes=url_prefixes or current.url_prefixes,
            email=current.email if email is None else email.strip(),
        )
        _print(obj, app.set_profile(updated))


@profile.command("show")
@click.pass_obj
def show(obj: CliContext) -> None:
    """Print the profile."""
    with obj.open_app() as app:
        _print(obj, app.profile())


def _print(obj: CliContext, current: Profile) -> None:
    rows = [
        ("name", current.name),
        ("aliases", ", ".join(current.aliases)),
        ("domains", ", ".join(current.domains)),
        ("handles", ", ".join(current.handles)),
        ("URL prefixes", ", ".join(current.url_prefixes)),
        ("email", current.email),
    ]
    for label, value in rows:
        obj.console.print(f"{label:>13}: {escape(value or '-')}", highlight=False)
