"""Where the three things a check needs stand: who you are (profile), where to look (datasets, sources) and what
to check (works). Read from the facade on a worker (`read_setup`), shown by the set-up guide's step list and by
the notice a check started from the command line gets when something is missing. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.datasets.manager import DatasetInfo
from core.profile import Profile
from core.sources.service import SourceStatus

if TYPE_CHECKING:
    from core.app import TrainTrace


@dataclass(frozen=True)
class StepState:
    done: bool
    text: str
    optional: bool = False  # nothing is missing when it is not done (the sources)


@dataclass(frozen=True)
class SetupStatus:
    profile: Profile
    datasets: tuple[DatasetInfo, ...]
    sources: tuple[SourceStatus, ...]
    asked: tuple[str, ...]  # sources every check asks (usable, preview accepted as it is now)
    pending: tuple[str, ...]  # set to be asked, but their preview was never accepted or changed since
    works: int

    @property
    def profile_step(self) -> StepState:
        p = self.profile
        if p.is_empty:
            return StepState(False, "not set: your names and sites are not searched")
        parts = [_count(1 + len(p.aliases), "name"), _count(len(p.handles), "handle")]
        parts += [_count(len(p.domains), "site"), _count(len(p.url_prefixes), "upload location")]
        return StepState(True, ", ".join(part for part in parts if not part.startswith("0 ")))

    @property
    def datasets_step(self) -> StepState:
        if not self.datasets:
            return StepState(False, "none added: no dataset is searched yet")
        described = [f"{info.descriptor.name} ({info.coverage})" for info in self.datasets]
        return StepState(True, ", ".join(described))

    @property
    def sources_step(self) -> StepState:
        names = {status.id: status.name for status in self.sources}
        parts = [f"{names.get(source_id, source_id)} asked on every check" for source_id in self.asked]
        parts += [
            f"{names.get(source_id, source_id)} waits for you to accept what it sends" for source_id in self.pending
        ]
        if not parts:
            return StepState(False, "none asked (optional: matching happens on this computer)", optional=True)
        return StepState(not self.pending, "; ".join(parts))

    @property
    def works_step(self) -> StepState:
        if not self.works:
            return StepState(False, "no works checked yet")
        return StepState(True, f"{self.works:,} works in the catalogue")

    @property
    def ready(self) -> bool:
        return self.datasets_step.done and self.profile_step.done

    def missing(self) -> list[str]:
        """What a check started now would not look at, as sentences (empty when nothing is missing)."""
        missing = []
        if not self.datasets:
            missing.append("No dataset is added, so your works cannot be found in any dataset yet.")
        if self.profile.is_empty:
            missing.append("Your profile is empty, so dataset captions and URLs are not searched for your names "
                           "and sites.")  # fmt: skip
        for source_id in self.pending:
            missing.append(f"{source_id} is not asked until you accept what it will send.")
        return missing


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def read_setup(facade: TrainTrace) -> SetupStatus:
    """Read everything the status needs (catalogue and settings; no network). Runs on a worker thread."""
    return SetupStatus(
        facade.profile(),
        tuple(facade.datasets()),
        tuple(facade.sources()),
        tuple(facade.auto_sources()),
        tuple(consent.source_id for consent in facade.pending_consents()),
        len(facade.works()),
    )
