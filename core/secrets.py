"""Tokens for remote sources: in the OS keyring, or (headless use) in `TRAINTRACE_<SOURCE>_TOKEN`.

Never in a plain-text file: a keyring backend that stores secrets in clear text (keyrings.alt's
`PlaintextKeyring`) or one that silently drops them is refused, and the message says how to proceed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import keyring
import keyring.backend
import keyring.errors

from core import APP_ID
from core.errors import TrainTraceError

_REFUSED_BACKENDS = ("PlaintextKeyring", "fail.Keyring", "null.Keyring")


class SecretStoreError(TrainTraceError):
    """No usable keyring (or it failed); the message tells the user what to do instead."""


def env_var_name(source_id: str) -> str:
    """`TRAINTRACE_<SOURCE>_TOKEN`, e.g. `huggingface` -> `TRAINTRACE_HUGGINGFACE_TOKEN`."""
    return "TRAINTRACE_" + re.sub(r"[^A-Z0-9]+", "_", source_id.upper()).strip("_") + "_TOKEN"


class SecretStore:
    """Reads and writes source tokens. The environment variable, when set, wins over the keyring."""

    def __init__(self, *, environ: Mapping[str, str] | None = None, service: str = APP_ID) -> None:
        self._environ = os.environ if environ is None else environ
        self._service = service

    def get(self, source_id: str) -> str | None:
        """The token for `source_id`, or None. Raises `SecretStoreError` only if a working keyring failed."""
        from_env = self._environ.get(env_var_name(source_id), "").strip()
        if from_env:
            return from_env
        backend = self._usable_backend()
        if backend is None:
            return None
        try:
            value = backend.get_password(self._service, source_id)
        except Exception as error:  # backends raise their own errors (D-Bus, locked collection): all mean the same
            raise SecretStoreError(f"the system keyring could not be read: {_reason(error)}") from error
        return value or None

    def set(self, source_id: str, token: str) -> None:
        """Store `token` in the OS keyring; `SecretStoreError` with a plain explanation if there is none."""
        if not token.strip():
            raise SecretStoreError("the token is empty")
        backend = self._require_backend(source_id)
        try:
            backend.set_password(self._service, source_id, token.strip())
        except Exception as error:  # e.g. a locked keyring, or no Secret Service on D-Bus
            raise SecretStoreError(f"the system keyring refused the token: {_reason(error)}") from error

    def delete(self, source_id: str) -> bool:
        """Remove the stored token; True if there was one."""
        backend = self._require_backend(source_id)
        try:
            backend.delete_password(self._service, source_id)
        except keyring.errors.PasswordDeleteError:
            return False
        except Exception as error:
            raise SecretStoreError(f"the system keyring could not delete the token: {_reason(error)}") from error
        return True

    def where(self, source_id: str) -> str:
        """Where the token would come from, for `sources list`: "environment", "keyring" or "none"."""
        if self._environ.get(env_var_name(source_id), "").strip():
            return "environment"
        try:
            return "keyring" if self.get(source_id) else "none"
        except SecretStoreError:
            return "none"

    def backend_name(self) -> str | None:
        """The keyring backend in use, or None when there is no usable one."""
        backend = self._usable_backend()
        return None if backend is None else f"{type(backend).__module__}.{type(backend).__name__}"

    def _require_backend(self, source_id: str) -> keyring.backend.KeyringBackend:
        backend = self._usable_backend()
        if backend is None:
            raise SecretStoreError(
                "No system keyring is available on this machine, so the token cannot be stored safely "
                f"(TrainTrace never writes tokens to plain-text files). Set the environment variable "
                f"{env_var_name(source_id)} instead, or install and unlock a keyring (for example "
                "GNOME Keyring or KWallet on Linux)."
            )
        return backend

    @staticmethod
    def _usable_backend() -> keyring.backend.KeyringBackend | None:
        backend = keyring.get_keyring()
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        if any(name.endswith(refused) for refused in _REFUSED_BACKENDS):
            return None
        if hasattr(backend, "backends") and not backend.backends:  # an empty ChainerBackend
            return None
        return backend


def _reason(error: Exception) -> str:
    """The first line of a keyring backend's error, or its type when it has no message."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
