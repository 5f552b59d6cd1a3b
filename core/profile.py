"""The artist profile: who the works belong to, used for URL and caption matching and in letters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """The artist's identity as it appears on the web.

    `domains` are registrable domains the artist controls (``okonkwo-lindqvist.art``); `url_prefixes` are
    upload locations on shared hosts (``https://www.artstation.com/okonkwo``); `handles` keep their ``@``.
    """

    name: str = ""
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    url_prefixes: tuple[str, ...] = ()
    email: str = ""

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
        )

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.aliases or self.domains or self.handles or self.url_prefixes)
