"""What every remote source shares: the query it gets, the requests it plans, the result it returns.

A source first *plans* its calls from a `SourceQuery` (pure, no network); `describe_outgoing` shows that
plan (the GUI's "what will be sent" list, `--dry-run`) and `search` executes exactly that plan, so the two
cannot drift apart. Only follow-up pages of a planned call are added at run time, and the plan says how
many there can be. A source never raises past `search`/`check` except `Cancelled`: faults become
`status="unavailable"` with a plain reason, or a `problems` entry when only some calls failed. A query that
gives a source nothing to ask is `status="skipped"` with the reason: never "ok, full coverage" for nothing sent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from core.errors import Cancelled
from core.net.errors import ConnectFailed, DeadlineExceeded, HttpStatusError, NetworkError
from core.net.http import HttpClient, HttpResponse
from core.net.ratelimit import RateLimit
from core.progress import Progress
from core.sources.query import HubDataset, SourceQuery

Coverage = Literal["partial", "full"]
Status = Literal["ok", "unavailable", "skipped"]
HitKind = Literal["sha256", "phash", "url", "text", "clip"]
SettingKey = Literal["url", "index", "table", "token", "url_column", "text_column"]


def _server_is_down(error: NetworkError) -> bool:
    if isinstance(error, HttpStatusError):
        return error.status >= 500 or error.status == 429
    return isinstance(error, ConnectFailed | DeadlineExceeded)


@dataclass(frozen=True)
class SettingSpec:
    """A setting a source needs; `secret` ones live in the keyring (core.secrets), never in settings."""

    key: SettingKey
    label: str
    required: bool = False
    default: str = ""
    secret: bool = False


@dataclass(frozen=True)
class SourceConfig:
    """The user's settings for one source, plus its token (read from core.secrets by the caller)."""

    url: str = ""
    index: str = ""
    table: str = ""
    url_column: str = ""
    text_column: str = ""
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class OutgoingRequest:
    """One request as the user sees it before it is sent. Credentials are named, never shown."""

    source_id: str
    method: str
    host: str
    url: str
    body_summary: str
    purpose: str
    credential: str = ""
    max_pages: int = 1
    body: str = ""
    """The exact body sent (UTF-8 text), for the "show everything" view; empty for GET."""


@dataclass(frozen=True)
class Hit:
    """A dataset row found by a source. Untrusted data: `url` and `caption` are plain text, never markup."""

    source_id: str
    dataset: str
    row_id: str
    url: str
    caption: str
    kind: HitKind
    matched: str
    coverage: Coverage
    distance: int | None = None
    score: float | None = None


@dataclass(frozen=True)
class OptOutStatus:
    url: str
    opted_out: bool
    opted_in: bool


@dataclass(frozen=True)
class SourceResult:
    source_id: str
    status: Status
    coverage: Coverage
    hits: tuple[Hit, ...] = ()
    opt_outs: tuple[OptOutStatus, ...] = ()
    error: str = ""
    problems: tuple[str, ...] = ()
    requests_sent: int = 0
    indices: tuple[str, ...] = ()

    def summary(self) -> dict[str, str]:
        """The entry of the scan JSON's `sources` list (a skipped source has no coverage: nothing was asked)."""
        coverage = "none" if self.status == "skipped" else self.coverage
        return {"id": self.source_id, "status": self.status, "coverage": coverage, "error": self.error}

    def verdict(self) -> str:
        """One line for people: "answers (full coverage)", "skipped: nothing to ask (...)", "unavailable: ..."."""
        if self.status == "skipped":
            return self.error
        if self.status == "unavailable":
            return f"unavailable: {self.error}"
        return f"answers ({self.coverage} coverage)"


def url_has_credentials(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.username is not None or parts.password is not None


def url_problem(url: str, source_id: str = "NAME") -> str:
    """Why a source's base URL cannot be used ("" when it can). Never repeats a password that is in it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        return "invalid url setting: it is not a valid web address"
    if url_has_credentials(url):
        return (
            "the url setting holds a user name or password, which TrainTrace never stores in a URL: configure the "
            f"URL without it, and put a token in the OS keyring with `traintrace sources configure {source_id} "
            "--token-stdin` (in the app: the token field)"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"invalid url setting {url[:80]!r}: it must start with http:// or https:// and name a host"
    return ""


def join_url_path(base: str, *segments: str) -> str:
    """`base` with `segments` appended to its path (urllib.parse: query string and fragment stay after it)."""
    parts = urlsplit(base)
    path = "/".join([parts.path.rstrip("/"), *(segment.strip("/") for segment in segments)])
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


@dataclass(frozen=True)
class PlannedCall:
    """One request a source will send; `term`/`kind`/`dataset` tell the parser what it was looking for."""

    method: Literal["GET", "POST"]
    url: str
    purpose: str
    params: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    body_summary: str = "(none)"
    credential: str = ""
    max_pages: int = 1
    kind: str = ""
    term: str = ""
    dataset: str = ""
    batch: tuple[str, ...] = ()
    hub_dataset: HubDataset | None = None

    @property
    def full_url(self) -> str:
        """The URL as sent: the parameters added to any query string the configured URL already has."""
        if not self.params:
            return self.url
        parts = urlsplit(self.url)
        query = "&".join(part for part in (parts.query, urlencode(self.params)) if part)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))

    def describe(self, source_id: str) -> OutgoingRequest:
        return OutgoingRequest(
            source_id=source_id,
            method=self.method,
            host=urlsplit(self.url).hostname or "",
            url=self.full_url,
            body_summary=self.body_summary,
            purpose=self.purpose,
            credential=self.credential,
            max_pages=self.max_pages,
            body=self.body.decode("utf-8", "replace") if self.body else "",
        )


@dataclass
class CallOutcome:
    """What one planned call (with its pages) produced."""

    hits: list[Hit] = field(default_factory=list)
    opt_outs: list[OptOutStatus] = field(default_factory=list)
    partial: bool = False
    requests: int = 1
    notes: list[str] = field(default_factory=list)
    indices: tuple[str, ...] = ()


class Source(ABC):
    """A remote source plug-in. Subclasses declare the class attributes and implement the hooks."""

    id: ClassVar[str]
    name: ClassVar[str]
    homepage: ClassVar[str]
    coverage: ClassVar[Coverage]
    rate: ClassVar[RateLimit]
    settings: ClassVar[tuple[SettingSpec, ...]]
    sends: ClassVar[str]
    """A sentence for the user: which of their data this source sends."""

    def __init__(self, config: SourceConfig | None = None) -> None:
        self.config = config or SourceConfig()

    def setting(self, key: SettingKey) -> str:
        """The configured value of `key`, or its declared default."""
        value = self.config.token if key == "token" else getattr(self.config, key)
        if value:
            return str(value)
        return next((spec.default for spec in self.settings if spec.key == key), "")

    def missing_settings(self) -> list[str]:
        return [spec.key for spec in self.settings if spec.required and not self.setting(spec.key)]

    def settings_problem(self) -> str:
        """Why the source cannot run as configured ("" when it can), in words for the user."""
        missing = self.missing_settings()
        if missing:
            return f"not configured: set {', '.join(missing)}"
        url = self.setting("url")
        problem = url_problem(url, self.id) if url else ""
        return problem or self.invalid_settings()

    def endpoint(self, *segments: str) -> str:
        """The configured base URL with `segments` added to its path; a query string in it stays at the end."""
        return join_url_path(self.setting("url"), *segments)

    def invalid_settings(self) -> str:
        """Source-specific validation of the settings; "" when they are fine."""
        return ""

    # --- what will be sent --------------------------------------------------------------------------
    def describe_outgoing(self, query: SourceQuery) -> list[OutgoingRequest]:
        """Exactly the requests `search(query)` would send (none when the source is not usable as configured:
        `settings_problem()` says why)."""
        if self.settings_problem():
            return []
        return [call.describe(self.id) for call in self.plan(query)]

    def describe_check(self) -> list[OutgoingRequest]:
        if self.settings_problem():
            return []
        return [call.describe(self.id) for call in self.plan_check()]

    @abstractmethod
    def plan(self, query: SourceQuery) -> list[PlannedCall]:
        """The calls for `query`; pure (no network)."""

    @abstractmethod
    def plan_check(self) -> list[PlannedCall]:
        """A cheap call that shows whether the source is reachable and configured."""

    def nothing_to_ask(self, query: SourceQuery) -> str:
        """Why `query` gives this source nothing to ask (its plan is empty), in words for the user."""
        return "the query holds nothing this source can look up"

    def preflight_problems(self, query: SourceQuery) -> list[str]:
        """Parts of the query the source will skip, and why (e.g. a gated dataset without a token)."""
        return []

    @abstractmethod
    def run_call(self, call: PlannedCall, client: HttpClient, progress: Progress, refresh: bool) -> CallOutcome:
        """Send `call` (and its follow-up pages) and parse the answers."""

    # --- running ------------------------------------------------------------------------------------
    def search(
        self, query: SourceQuery, client: HttpClient, progress: Progress | None = None, *, refresh: bool = False
    ) -> SourceResult:
        """Run the plan for `query`. Never raises except `Cancelled`."""
        problem = self.settings_problem()
        if problem:
            return self._unavailable(problem)
        try:
            calls = self.plan(query)
        except ValueError as error:
            return self._unavailable(f"cannot build the query: {error}")
        if not calls:
            return self._skipped(query)
        return self._execute(calls, self.preflight_problems(query), client, progress or Progress(), refresh)

    def check(self, client: HttpClient, progress: Progress | None = None) -> SourceResult:
        """Reachability and configuration test (`traintrace sources test`); never cached."""
        problem = self.settings_problem()
        if problem:
            return self._unavailable(problem)
        return self._execute(self.plan_check(), [], client, progress or Progress(), True)

    def _execute(
        self, calls: Sequence[PlannedCall], problems: list[str], client: HttpClient, progress: Progress, refresh: bool
    ) -> SourceResult:
        """Run the calls in order. A server that is down (no connection, out of time, 5xx after retries) ends
        the run at once, so a dead source costs one timeout, not one per planned call."""
        outcome = CallOutcome(requests=0)
        succeeded = 0
        progress.start(len(calls), self.name)
        for position, call in enumerate(calls):
            progress.check_cancelled()
            try:
                done = self.run_call(call, client, progress, refresh)
            except Cancelled:
                raise
            except NetworkError as error:
                problems.append(f"{call.purpose}: {error}")
                if _server_is_down(error):
                    if position + 1 < len(calls):
                        problems.append(f"{len(calls) - position - 1} remaining request(s) not sent")
                    break
            except Exception as error:  # the source boundary: a bug here must not stop the scan
                problems.append(f"{call.purpose}: unexpected error ({error.__class__.__name__}: {error})")
            else:
                succeeded += 1
                outcome.hits += done.hits
                outcome.opt_outs += done.opt_outs
                outcome.partial |= done.partial
                outcome.requests += done.requests
                outcome.indices += done.indices
                problems += done.notes
            progress.advance()
        if calls and succeeded == 0:
            return self._unavailable(problems[0], problems)
        partial = self.coverage == "partial" or outcome.partial or succeeded < len(calls)
        return SourceResult(
            source_id=self.id,
            status="ok",
            coverage="partial" if partial else "full",
            hits=tuple(outcome.hits),
            opt_outs=tuple(outcome.opt_outs),
            problems=tuple(problems),
            requests_sent=outcome.requests,
            indices=outcome.indices,
        )

    def _skipped(self, query: SourceQuery) -> SourceResult:
        reason = f"skipped: nothing to ask ({self.nothing_to_ask(query)})"
        problems = tuple(self.preflight_problems(query))
        return SourceResult(source_id=self.id, status="skipped", coverage="partial", error=reason, problems=problems)

    def _unavailable(self, reason: str, problems: Sequence[str] = ()) -> SourceResult:
        return SourceResult(
            source_id=self.id, status="unavailable", coverage=self.coverage, error=reason, problems=tuple(problems)
        )

    def send(self, call: PlannedCall, client: HttpClient, progress: Progress, refresh: bool, **extra: Any) -> Any:
        """Send one page of `call` (extra params merged) and return the parsed JSON."""
        return self.send_raw(call, client, progress, refresh, **extra).json()

    def send_raw(
        self, call: PlannedCall, client: HttpClient, progress: Progress, refresh: bool, **extra: Any
    ) -> HttpResponse:
        params = dict(call.params)
        params.update({key: str(value) for key, value in extra.items()})
        return client.request(
            call.method,
            call.url,
            params=params,
            headers=dict(call.headers),
            data=call.body,
            rate=self.rate,
            cancel=progress,
            refresh=refresh,
        )
