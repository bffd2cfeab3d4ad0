"""Errors that carry a message for people. Views show them; the API maps them to status codes."""

from __future__ import annotations


class LinliError(Exception):
    """Base: ``message`` is user-facing (already translated), ``field`` names the input if any."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class InvalidInput(LinliError):
    status = 400


class IllegalTransition(LinliError):
    """A status change the workflow does not allow from the current state."""

    status = 409


class Conflict(LinliError):
    """The row changed under us (double click, concurrent claim); nothing was saved."""

    status = 409
