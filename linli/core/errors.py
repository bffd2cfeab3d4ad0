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


class InvalidForm(LinliError):
    """Input that does not fit an action's form (422): ``errors`` lists each field's message."""

    status = 422

    def __init__(self, message: str, *, errors: list[dict], field: str | None = None):
        super().__init__(message, field=field, code="invalid")
        self.errors = errors

    @classmethod
    def from_form(cls, form) -> InvalidForm:
        errors = [
            {"field": "" if name == "__all__" else name, "message": str(message)}
            for name, messages in form.errors.items()
            for message in messages
        ]
        first = errors[0] if errors else {"field": "", "message": ""}
        return cls(first["message"], errors=errors, field=first["field"] or None)
