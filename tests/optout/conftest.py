"""Fixtures for the opt-out tests: real nginx, Caddy and Apache on loopback serving generated site files."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
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


_CADDYFILE = """
{{
    admin off
    auto_https off
}}
http://127.0.0.1:{port} {{
    root * {root}
    import {snippet}
    file_server
}}
"""

_APACHE_CONF = """
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule headers_module {modules}/mod_headers.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule dir_module {modules}/mod_dir.so
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {work}/httpd.pid
ErrorLog {work}/error.log
DefaultRuntimeDir {work}
Mutex file:{work} default
User nobody
Group nogroup
TypesConfig /etc/mime.types
DirectoryIndex index.html
DocumentRoot {root}
AccessFileName .htaccess
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {root}>
    AllowOverride FileInfo
    Require all granted
</Directory>
"""


class _Servers:
    """Starts real web servers as subprocesses on loopback ports and stops every one of them."""

    def __init__(self, tmp_path: Path) -> None:
        self._tmp_path = tmp_path
        self._processes: list[subprocess.Popen[bytes]] = []

    def workdir(self, name: str) -> Path:
        work = self._tmp_path / f"{name}-{len(self._processes)}"
        work.mkdir()
        return work

    def run(self, command: list[str], port: int, log: Path, env: dict[str, str] | None = None) -> str:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self._processes.append(process)
        _wait_until_listening(process, port, log)
        return f"http://127.0.0.1:{port}/"

    def stop_all(self) -> None:
        for process in self._processes:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr:
                process.stderr.close()


def _binary(name: str, package: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None)
    if found is None:
        pytest.skip(f"{name} is not installed (Debian package {package})")
    return found


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[NginxFactory]:
    """Start nginx serving `root`, with an optional header snippet included in the server block.

    Returns the base URL. Every server started is stopped at teardown.
    """
    binary = _binary("nginx", "nginx-light or nginx")
    servers = _Servers(tmp_path)

    def start(root: Path, *, header_snippet: Path | None = None, extra: str = "") -> str:
        work = servers.workdir("nginx")
        port = free_port()
        include = f"include {header_snippet};" if header_snippet else ""
        conf = work / "nginx.conf"
        conf.write_text(_NGINX_CONF.format(tmp=work, port=port, root=root, include=include, extra=extra))
        return servers.run([binary, "-p", str(work), "-c", str(conf)], port, work / "error.log")

    yield start
    servers.stop_all()


@pytest.fixture
def caddy(tmp_path: Path) -> Iterator[Callable[[Path, Path], str]]:
    """Start Caddy serving `root` with the generated Caddyfile header snippet imported into the site block."""
    binary = _binary("caddy", "caddy")
    servers = _Servers(tmp_path)

    def start(root: Path, snippet: Path) -> str:
        work = servers.workdir("caddy")
        port = free_port()
        caddyfile = work / "Caddyfile"
        caddyfile.write_text(_CADDYFILE.format(port=port, root=root, snippet=snippet))
        env = {**os.environ, "HOME": str(work), "XDG_DATA_HOME": str(work), "XDG_CONFIG_HOME": str(work)}
        command = [binary, "run", "--config", str(caddyfile), "--adapter", "caddyfile"]
        return servers.run(command, port, work / "none.log", env)

    yield start
    servers.stop_all()


@pytest.fixture
def apache(tmp_path: Path) -> Iterator[Callable[[Path], str]]:
    """Start Apache httpd serving a copy of `root`, whose .htaccess is honoured (AllowOverride FileInfo).

    Started as root, httpd serves as ``nobody``, which cannot enter pytest's private temporary folders: the
    site is copied into a world-readable temporary folder, removed at teardown.
    """
    binary = _binary("apache2", "apache2")
    modules = Path("/usr/lib/apache2/modules")
    if not (modules / "mod_headers.so").exists():
        pytest.skip("Apache modules not found in /usr/lib/apache2/modules")
    servers = _Servers(tmp_path)
    public_roots: list[Path] = []

    def start(root: Path) -> str:
        work = servers.workdir("apache")
        public = Path(tempfile.mkdtemp(prefix="traintrace-apache-"))
        public_roots.append(public)
        shutil.copytree(root, public, dirs_exist_ok=True)
        for path in [public, *public.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        port = free_port()
        conf = work / "httpd.conf"
        conf.write_text(_APACHE_CONF.format(modules=modules, port=port, work=work, root=public))
        return servers.run([binary, "-X", "-f", str(conf)], port, work / "error.log")

    yield start
    servers.stop_all()
    for public in public_roots:
        shutil.rmtree(public, ignore_errors=True)


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, error_log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            log = error_log.read_text() if error_log.exists() else ""
            raise RuntimeError(f"server exited with {process.returncode}: {stderr}{log}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError("server did not start listening within 10 s")
