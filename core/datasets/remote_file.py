"""A seekable, read-only file over HTTP range requests, so PyArrow reads only the columns it needs.

Every byte goes through the app's one `HttpClient` (User-Agent, retries, timeouts, cancellation). A read that
misses the cache fetches exactly the range asked for (at least `min_request` bytes, at most
`MAX_REQUEST_BYTES` per request) and keeps it in a small cache of recent segments: Parquet readers read the
footer in small pieces and then each projected column chunk in one large read, so only those bytes cross the
network.
"""

from __future__ import annotations

import io
import re
from collections import OrderedDict
from collections.abc import Mapping

from core.errors import TrainTraceError
from core.net.errors import ResponseTooLarge
from core.net.http import CancelSignal, HttpClient, HttpResponse

_CONTENT_RANGE = re.compile(r"bytes \d+-\d+/(\d+)")
MAX_REQUEST_BYTES = 16 * 1024 * 1024


class RemoteFile(io.RawIOBase):
    def __init__(
        self,
        client: HttpClient,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        min_request: int = 64 * 1024,
        cached_segments: int = 16,
        cancel: CancelSignal = None,
    ) -> None:
        super().__init__()
        self._client = client
        self._url = url
        self._headers = dict(headers or {})
        self._min_request = min_request
        self._segments: OrderedDict[int, bytes] = OrderedDict()  # start offset -> bytes
        self._cached_segments = cached_segments
        self._cancel = cancel
        self._position = 0
        self.bytes_fetched = 0
        self.validators: dict[str, str] = {}  # the server's ETag and Last-Modified for the file, when it sent them
        self._size = self._probe_size()

    @property
    def size(self) -> int:
        return self._size

    def _probe_size(self) -> int:
        try:
            response = self._range(0, 0)
        except ResponseTooLarge as exc:  # asked for one byte, sent more: the server ignored the Range header
            raise TrainTraceError(
                f"{self._url}: the server does not support range requests (it sent the whole file instead of one byte)"
            ) from exc
        match = _CONTENT_RANGE.match(response.header("content-range"))
        self.validators = {name.replace("-", "_"): response.header(name) for name in ("etag", "last-modified")
                           if response.header(name)}  # fmt: skip
        if response.status != 206 or match is None:
            raise TrainTraceError(f"{self._url}: the server does not support range requests (HTTP {response.status})")
        return int(match.group(1))

    def _range(self, start: int, end: int) -> HttpResponse:
        headers = {**self._headers, "Range": f"bytes={start}-{end}"}
        response = self._client.request(
            "GET", self._url, headers=headers, use_cache=False, cancel=self._cancel, max_bytes=end - start + 1
        )
        self.bytes_fetched += len(response.body)
        return response

    def _cached(self, position: int) -> memoryview | None:
        for start, data in self._segments.items():
            if start <= position < start + len(data):
                self._segments.move_to_end(start)
                return memoryview(data)[position - start :]
        return None

    def _fetch(self, position: int, wanted: int) -> memoryview:
        length = min(max(wanted, self._min_request), MAX_REQUEST_BYTES, self._size - position)
        body = self._range(position, position + length - 1).body
        if len(body) != length:
            raise TrainTraceError(f"{self._url}: short read at byte {position} (got {len(body)} of {length} bytes)")
        self._segments[position] = body
        if len(self._segments) > self._cached_segments:
            self._segments.popitem(last=False)
        return memoryview(body)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._size - self._position)
        filled = 0
        while filled < wanted:
            chunk = self._cached(self._position)
            if chunk is None:
                chunk = self._fetch(self._position, wanted - filled)
            take = min(wanted - filled, len(chunk))
            view[filled : filled + take] = chunk[:take]
            filled += take
            self._position += take
        return filled
