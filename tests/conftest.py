"""Hermetic tests: no network beyond loopback, no real user directories, no real keyring."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.memory_keyring import MemoryKeyring

# Qt's platform must be chosen before pytest-qt creates its session-wide QApplication.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return isinstance(address, str | bytes)  # AF_UNIX paths are local


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise RuntimeError(f"test tried to reach the network: {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_loopback(address):
        raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Secrets go to an in-memory keyring: no test reads or writes the user's real one."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def traintrace_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own data directory; nothing touches the real user's files."""
    home = tmp_path_factory.mktemp("traintrace-home")
    monkeypatch.setenv("TRAINTRACE_HOME", str(home))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    # The command line's output is not wrapped at a width that depends on the machine: a temporary path is
    # longer for a longer user name, and a wrap inside it split "sketch.png" for one user and not another.
    monkeypatch.setenv("COLUMNS", "1000")
    yield home
