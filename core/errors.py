"""The error hierarchy. Every error the user can cause or fix derives from `TrainTraceError`.

The CLI turns a `TrainTraceError` into a one-line message and exit code 1 (or 2 for `UsageError`);
the GUI shows it in a dialog. Anything else is a bug and is reported as such.
"""


class TrainTraceError(Exception):
    """A failure with a message fit for the user."""


class UsageError(TrainTraceError):
    """The user asked for something impossible (bad path, bad option value)."""


class Cancelled(TrainTraceError):  # noqa: N818 - reads better at raise sites than "CancelledError"
    """Long work was cancelled by the user; everything finished before it is kept."""


class MissingComponent(TrainTraceError):  # noqa: N818 - a state of the install, not a program fault
    """An optional part of the app is not installed; the message names the command that installs it."""


class CatalogueError(TrainTraceError):
    """The local catalogue cannot be opened, migrated or written."""


class SettingsError(TrainTraceError):
    """The settings file is unreadable or holds an invalid value."""


class UnreadableImage(TrainTraceError):  # noqa: N818 - a verdict on a file, not a program fault
    """A file could not be read or decoded as an image.

    `reason` is plain language for the user; `code` is stable for programs (empty, not_image, truncated,
    corrupt, too_large, bomb, permission, io_error, bad_name, crashed).
    """

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
