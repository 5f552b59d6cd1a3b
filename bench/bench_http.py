"""The HTTP client against plain `requests`, both measured in this run, on loopback servers.

1. Time to give up on a server that trickles one byte every 50 ms (a body of 300 bytes): TrainTrace's client
   with a 2 s timeout, against `requests.get(url, timeout=(2, 2))`, whose read timeout restarts on every
   byte, so it waits for the whole trickle (~15 s).
2. Per-request overhead on a fast local server (watchdog, guards, rate-limit bookkeeping, full-body read):
   N GETs through `HttpClient` (cache off) against N GETs through a plain `requests.Session` (trust_env off).

Run: python -m bench.bench_http [--requests 300]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from core.net import DeadlineExceeded, HttpClient, HttpConfig

TRICKLE_BYTES = 300
TRICKLE_INTERVAL = 0.05


def _trickle_server() -> tuple[socket.socket, str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_trickle, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}/"


def _trickle(conn: socket.socket) -> None:
    with conn:
        try:
            conn.recv(65536)
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {TRICKLE_BYTES}\r\n\r\n".encode())
            for _ in range(TRICKLE_BYTES):
                conn.sendall(b"x")
                time.sleep(TRICKLE_INTERVAL)
        except OSError:
            return


class _Fast(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b'{"rows": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


def _give_up_times() -> tuple[float, float]:
    listener, url = _trickle_server()
    try:
        with HttpClient(HttpConfig(timeout=2.0, connect_timeout=2.0, read_timeout=2.0, retries=0)) as client:
            started = time.monotonic()
            try:
                client.request("GET", url)
            except DeadlineExceeded:
                pass
            ours = time.monotonic() - started
        started = time.monotonic()
        requests.get(url, timeout=(2, 2))
        baseline = time.monotonic() - started
    finally:
        listener.close()
    return ours, baseline


def _overhead(count: int, rounds: int = 5) -> tuple[float, float]:
    """Median ms per request over alternating rounds (alternating cancels drift from a busy machine)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fast)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/rows"
    ours: list[float] = []
    baseline: list[float] = []
    try:
        with HttpClient() as client, requests.Session() as session:
            session.trust_env = False  # as in HttpClient: no proxy/.netrc lookups per request (they are slow)
            for _ in range(rounds):
                started = time.perf_counter()
                for _ in range(count):
                    session.get(url, timeout=(10, 20)).json()
                baseline.append((time.perf_counter() - started) / count)
                started = time.perf_counter()
                for _ in range(count):
                    client.request("GET", url, use_cache=False).json()
                ours.append((time.perf_counter() - started) / count)
    finally:
        server.shutdown()
    return statistics.median(ours), statistics.median(baseline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    ours, baseline = _give_up_times()
    print(
        f"trickling server, 2 s timeout: TrainTrace gives up after {ours:.2f} s; "
        f"plain requests after {baseline:.2f} s; ratio {baseline / ours:.1f}x sooner"
    )
    ours, baseline = _overhead(args.requests)
    print(
        f"{args.requests} local GETs: TrainTrace {ours * 1000:.2f} ms/request; plain requests "
        f"{baseline * 1000:.2f} ms/request; ratio {ours / baseline:.2f}x the baseline's time"
    )


if __name__ == "__main__":
    main()
