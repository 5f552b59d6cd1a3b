"""The artist profile: who the works belong to, used for URL and caption matching and in letters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """The artist's identity as it appears on the web.

    `domains` are registrable domains the artist controls (``okonkwo-lindqvist.art``); `url_prefixes` are
    upload locations on shared hosts (``https://www.artstation.com/okonkwo``); `handles` keep their ``@``.
    `titles` are titles of the artist's works: caption matching reports one only beside the artist's name or
    handle (`core.matching.text`), never on its own.
    """

    name: str = ""
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    url_prefixes: tuple[str, ...] = ()
    email: str = ""
    titles: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Profile:
        """A profile from its JSON form (lists for the repeatable fields); unknown keys are ignored."""

        def texts(key: str) -> tuple[str, ...]:
            value = data.get(key) or ()
            return tuple(str(item) for item in value) if isinstance(value, list | tuple) else (str(value),)

        return cls(
            name=str(data.get("name") or ""),
            aliases=texts("aliases"),
            domains=texts("domains"),
            handles=texts("handles"),
            url_prefixes=texts("url_prefixes"),
            email=str(data.get("email") or ""),
            titles=texts("titles"),
        )

    @property
    def is_empty(self) -> bool:
        """True when nothing can be matched (work titles alone never match: they only count beside a name)."""
        return not (self.name or self.aliases or self.domains or self.handles or self.url_prefixes)


@dataclass(frozen=True)
class Refusal:
    """A profile entry that matching does not use, and why, in a sentence fit for the user.

    `field` is the `Profile` field ("name", "aliases", "titles", "domains", "url_prefixes"); `suggestion` is,
    for an entry on a shared hosting platform, the kind of address to give instead (a URL prefix such as
    ``https://www.artstation.com/NAME``)."""

    field: str
    value: str
    reason: str
    suggestion: str = ""

    def held_by(self, profile: Profile) -> bool:
        """Whether `profile` holds this entry (a stored profile that predates the rule that refuses it)."""
        held = getattr(profile, self.field)
        return self.value == held if isinstance(held, str) else self.value in held
