"""Fixtures for the opt-out tests: a real nginx on loopback serving generated site files."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from core.optout.crawlers import CrawlerList, load_crawler_list

NginxFactory = Callable[..., str]

_NGINX_CONF = """
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{
        text/html html;
        text/plain txt;
        application/json json;
        image/jpeg jpg;
        image/png png;
    }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        {include}
        {extra}
    }}
}}
"""


@pytest.fixture(scope="session")
def crawler_list() -> CrawlerList:
    return load_crawler_list()


@pytest.fixture
def http_session() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the tests talk to loopback only
    yield session
    session.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[NginxFactory]:
    """Start nginx serving `root`, with an optional header snippet included in the server block.

    Returns the base URL. Every server started is stopped at teardown.
    """
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        pytest.skip("nginx is not installed (Debian package nginx-light or nginx)")
    processes: list[subprocess.Popen[bytes]] = []

    def start(root: Path, *, header_snippet: Path | None = None, extra: str = "") -> str:
        work = tmp_path / f"nginx-{len(processes)}"
        work.mkdir()
        port = free_port()
        include = f"include {header_snippet};" if header_snippet else ""
        conf = work / "nginx.conf"
        conf.write_text(_NGINX_CONF.format(tmp=work, port=port, root=root, include=include, extra=extra))
        process = subprocess.Popen([binary, "-p", str(work), "-c", str(conf)], stderr=subprocess.PIPE)
        processes.append(process)
        _wait_until_listening(process, port, work / "error.log")
        return f"http://127.0.0.1:{port}/"

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, error_log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            log = error_log.read_text() if error_log.exists() else ""
            raise RuntimeError(f"nginx exited with {process.returncode}: {stderr}{log}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError("nginx did not start listening within 10 s")
