"""Tokens live in the keyring or an environment variable, never in a file; no keyring is said plainly."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail

from core.secrets import SecretStore, SecretStoreError, env_var_name
from tests.memory_keyring import MemoryKeyring


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's clear-text file backend, which must be refused."""


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_env_var_names() -> None:
    assert env_var_name("huggingface") == "TRAINTRACE_HUGGINGFACE_TOKEN"
    assert env_var_name("clip-retrieval") == "TRAINTRACE_CLIP_RETRIEVAL_TOKEN"


def test_set_get_delete_through_the_keyring(restore_keyring: None) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    store = SecretStore(environ={})
    store.set("spawning", "  key-123 ")
    assert store.get("spawning") == "key-123"
    assert store.where("spawning") == "keyring"
    assert list(backend.store.values()) == ["key-123"]
    assert store.delete("spawning") is True
    assert store.get("spawning") is None
    assert store.delete("spawning") is False


def test_environment_variable_wins(restore_keyring: None) -> None:
    keyring.set_keyring(MemoryKeyring())
    store = SecretStore(environ={"TRAINTRACE_SPAWNING_TOKEN": "from-env"})
    store.set("spawning", "from-keyring")
    assert store.get("spawning") == "from-env"
    assert store.where("spawning") == "environment"


def test_no_keyring_backend_is_said_plainly(restore_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())
    store = SecretStore(environ={})
    assert store.backend_name() is None
    assert store.get("huggingface") is None
    with pytest.raises(SecretStoreError, match="No system keyring") as caught:
        store.set("huggingface", "hf_abc")
    assert "TRAINTRACE_HUGGINGFACE_TOKEN" in str(caught.value)
    assert SecretStore(environ={"TRAINTRACE_HUGGINGFACE_TOKEN": "hf_env"}).get("huggingface") == "hf_env"


def test_plain_text_backends_are_refused(restore_keyring: None) -> None:
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)
    with pytest.raises(SecretStoreError):
        SecretStore(environ={}).set("datasette", "tok")
    assert backend.store == {}


def test_empty_token_is_refused(restore_keyring: None) -> None:
    keyring.set_keyring(MemoryKeyring())
    with pytest.raises(SecretStoreError, match="empty"):
        SecretStore(environ={}).set("spawning", "   ")


class _LockedKeyring(MemoryKeyring):
    """A backend failing the way the Secret Service does when the collection is locked (not a KeyringError)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError("Cannot create an item in a locked collection\nat dbus call ...")

    def get_password(self, service: str, username: str) -> str | None:
        raise OSError("D-Bus connection refused")


def test_any_backend_failure_is_one_plain_sentence(restore_keyring: None) -> None:
    keyring.set_keyring(_LockedKeyring())
    store = SecretStore(environ={})
    with pytest.raises(SecretStoreError) as raised:
        store.set("spawning", "key")
    assert str(raised.value) == "the system keyring refused the token: Cannot create an item in a locked collection"
    with pytest.raises(SecretStoreError, match="could not be read: D-Bus connection refused"):
        store.get("spawning")
