"""What a result rests on: which datasets were searched and how much of each, which known datasets were not
added, which remote sources were asked and how they answered, whether the profile could be searched at all.

The one-line verdict every front end shows ("12 of 340 works may be listed in 2 datasets · searched: ... · not
searched: ...") is built here from plain facts, so the app's header and `traintrace status` say the same thing.
Nothing here reads the catalogue: the facade hands the facts in (`core.app`, `search_summary`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.catalogue.matches import Match
from core.catalogue.source_runs import SourceRun
from core.catalogue.works import Work
from core.datasets.descriptors import Descriptor
from core.datasets.manager import DatasetInfo
from core.profile import Profile
from core.vocabulary import Coverage, MatchStatus

# The known datasets the verdict names first when it lists those not added (the rest are counted).
HEADLINE = ("coyo-700m", "laion2b-en", "datacomp-1b", "relaion-5b")
NAMED_NOT_ADDED = 3
PARTIAL_ROWS_SHARE = 0.99  # fewer rows read than this share of a known dataset's published count: partial


class NextStep:
    """What the artist can do when something was not searched (the app offers a button for each)."""

    DATASET = "dataset"  # add a dataset
    PROFILE = "profile"  # fill in the profile (names, site)
    SOURCE = "source"  # ask a remote source


@dataclass(frozen=True)
class DatasetSearched:
    id: str
    name: str
    coverage: str  # "full" or "partial"
    detail: str  # "" when full; "3 of 128 parts", "2.1M of 747M rows" when partial

    def label(self) -> str:
        return f"{self.name} ({self.coverage}{': ' + self.detail if self.detail else ''})"


@dataclass(frozen=True)
class SourceAsked:
    id: str
    name: str
    status: str  # ok | skipped | unavailable (the source's last run)
    asked_at: str
    detail: str  # "asked", "asked, partial", "skipped: nothing to ask (...)", "unavailable: ..."

    def label(self) -> str:
        return f"{self.name} ({self.detail})"


@dataclass(frozen=True)
class SearchSummary:
    """The facts behind the verdict; `line()` says them in one line."""

    works: int  # works in the catalogue
    readable: int
    works_listed: int  # works with a match not rejected
    works_confirmed: int  # works with a confirmed match
    datasets_listed: tuple[str, ...]  # datasets with a match not rejected
    work_datasets: tuple[str, ...]  # datasets with a match on a work not rejected
    profile_rows: int  # matches on the profile (no work) not rejected
    to_review: int  # matches still undecided
    searched: tuple[DatasetSearched, ...]
    not_added: tuple[tuple[str, str], ...]  # (id, name) of known datasets not added
    sources: tuple[SourceAsked, ...]  # the last run of each source ever asked
    sources_not_asked: tuple[tuple[str, str], ...]  # (id, name) of sources usable as configured, never asked
    profile_empty: bool

    @property
    def nothing_searched(self) -> bool:
        """No dataset added and no source that answered: no "not found" may be said about anything."""
        return not self.searched and not any(source.status == "ok" for source in self.sources)

    @property
    def searched_anything(self) -> bool:
        return not self.nothing_searched

    def next_steps(self) -> list[str]:
        """What is missing, in the order a first check needs it (`NextStep`)."""
        steps = []
        if not self.searched:
            steps.append(NextStep.DATASET)
        if self.profile_empty:
            steps.append(NextStep.PROFILE)
        if self.nothing_searched:
            steps.append(NextStep.SOURCE)
        return steps

    def found_part(self) -> str:
        """The answer: how many works (and profile rows) are listed, or that nothing was searched."""
        if self.nothing_searched:
            what = f"{_count(self.works, 'work')} fingerprinted, " if self.works else ""
            return f"Nothing has been searched yet: {what}no dataset added and no source asked"
        if not self.works_listed and not self.profile_rows:
            if not self.works:
                return "No works checked yet; nothing of your name or site was found in what was searched"
            return f"None of your {_count(self.works, 'work')} was found in what was searched"
        parts = []
        datasets = _count(len(self.work_datasets), "dataset")
        if self.works_listed:
            if self.works_confirmed == self.works_listed:
                verb = "is listed" if self.works_listed == 1 else "are listed"
                parts.append(f"{self.works_listed} of {_count(self.works, 'work')} {verb} in {datasets}")
            else:
                confirmed = f", {self.works_confirmed} confirmed by you" if self.works_confirmed else ""
                parts.append(f"{self.works_listed} of {_count(self.works, 'work')} may be listed in {datasets}"
                             f" ({self.to_review} to review{confirmed})")  # fmt: skip
        if self.profile_rows:
            rows = _count(self.profile_rows, "row")
            in_datasets = _count(len(self.datasets_listed), "dataset")
            parts.append(f"your name or site: {rows}" + ("" if self.works_listed else f" in {in_datasets}"))
        return " · ".join(parts)

    def searched_part(self) -> str:
        items = [dataset.label() for dataset in self.searched]
        items += [source.label() for source in self.sources]
        return "searched: " + (", ".join(items) if items else "nothing")

    def not_searched_part(self) -> str:
        items = []
        if self.not_added:
            ordered = sorted(self.not_added, key=lambda item: (HEADLINE.index(item[0]) if item[0] in HEADLINE
                                                              else len(HEADLINE), item[1]))  # fmt: skip
            names = [name for _, name in ordered[:NAMED_NOT_ADDED]]
            rest = len(ordered) - len(names)
            listed = ", ".join(names) + (f" and {rest} more" if rest else "")
            items.append(f"{listed} (not added)")
        items += [f"{name} (not asked)" for _, name in self.sources_not_asked]
        if self.profile_empty:
            items.append("your name and site (profile empty)")
        return "not searched: " + ", ".join(items) if items else ""

    def line(self) -> str:
        """The verdict in one line, with what it rests on."""
        parts = [self.found_part()]
        if self.searched_anything:
            parts.append(self.searched_part())
        not_searched = self.not_searched_part()
        if not_searched:
            parts.append(not_searched)
        return " · ".join(parts)

    def work_status(self) -> str:
        """What a work without any match may honestly be called."""
        return "not found in what was searched" if self.searched_anything else "not searched yet"


def dataset_searched(info: DatasetInfo) -> DatasetSearched:
    """How much of an added dataset was searched: parts not finished, or fewer rows than it publishes."""
    descriptor = info.descriptor
    shards = info.shards
    done = sum(1 for shard in shards if shard.status == "done")
    if info.coverage is not Coverage.FULL:
        return DatasetSearched(descriptor.id, descriptor.name, Coverage.PARTIAL, f"{done} of {len(shards)} parts")
    if descriptor.rows and info.rows < descriptor.rows * PARTIAL_ROWS_SHARE:
        detail = f"{_short(info.rows)} of {_short(descriptor.rows)} rows"
        return DatasetSearched(descriptor.id, descriptor.name, Coverage.PARTIAL, detail)
    return DatasetSearched(descriptor.id, descriptor.name, Coverage.FULL, "")


def source_asked(run: SourceRun, name: str) -> SourceAsked:
    if run.status == "ok":
        detail = "asked" if run.coverage == Coverage.FULL else f"asked, {run.coverage}"
    elif run.status == "skipped":
        detail = run.error or "skipped: nothing to ask"
        detail = detail if detail.startswith("skipped") else f"skipped: {detail}"
    else:
        detail = f"unavailable: {run.error}" if run.error else "unavailable"
    return SourceAsked(run.source, name, run.status, run.asked_at, detail)


def summarise(
    works: Sequence[Work],
    matches: Iterable[Match],
    added: Sequence[DatasetInfo],
    known: Mapping[str, Descriptor],
    runs: Sequence[SourceRun],
    usable_sources: Mapping[str, str],
    source_names: Mapping[str, str],
    profile: Profile,
) -> SearchSummary:
    """The facts of the verdict. `usable_sources`: id -> name of the sources that can run as configured;
    `source_names`: id -> name of every source (for the runs)."""
    live = [match for match in matches if match.status != MatchStatus.REJECTED]
    listed = {match.work_id for match in live if match.work_id is not None}
    confirmed = {m.work_id for m in live if m.work_id is not None and m.status == MatchStatus.CONFIRMED}
    last: dict[str, SourceRun] = {}
    for run in runs:  # oldest first: the last one of each source wins
        last[run.source] = run
    added_ids = {info.descriptor.id for info in added}
    return SearchSummary(
        works=len(works),
        readable=sum(1 for work in works if work.ok),
        works_listed=len(listed),
        works_confirmed=len(confirmed),
        datasets_listed=tuple(sorted({match.dataset for match in live})),
        work_datasets=tuple(sorted({match.dataset for match in live if match.work_id is not None})),
        profile_rows=sum(1 for match in live if match.work_id is None),
        to_review=sum(1 for match in live if match.status == MatchStatus.CANDIDATE),
        searched=tuple(dataset_searched(info) for info in added),
        not_added=tuple((d.id, d.name) for d in known.values() if d.id not in added_ids),
        sources=tuple(source_asked(run, source_names.get(source, source)) for source, run in sorted(last.items())),
        sources_not_asked=tuple(sorted((i, n) for i, n in usable_sources.items() if i not in last)),
        profile_empty=profile.is_empty,
    )


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _short(number: int) -> str:
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if number >= size:
            return f"{number / size:.1f}".removesuffix(".0") + suffix
    return str(number)
