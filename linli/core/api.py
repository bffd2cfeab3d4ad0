"""Pieces every router of the JSON API shares: the error shape, id bounds and pagination.

They live in ``core`` so that each app's ``api.py`` can use them without importing
the API root (``linli/api.py``), which imports the apps' routers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from django import forms
from django.db.models import QuerySet
from ninja import Field, Path, Router, Schema
from pydantic import BaseModel

from .actions import ActionRegistry

# Ids beyond a signed 64-bit integer cannot be stored, and passing one to the database
# raises instead of matching nothing (SQLite: OverflowError). Refusing them up front
# keeps every answer a 422 or a 404, never a 500.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Text typed by people; a NUL byte cannot be stored in PostgreSQL text and would raise.
NO_NUL = r"^[^\x00]*$"

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


class ErrorOut(Schema):
    """Every error: a stable machine ``code``, a ``message`` for people, the input ``field``."""

    code: str
    message: str
    field: str | None = None


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(ErrorOut):
    """422: the request does not fit the schema; ``errors`` lists each offending input."""

    errors: list[FieldErrorOut] = []


# Declared on every authenticated endpoint so the OpenAPI document lists them.
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
# ... and on endpoints taking a JSON body (400: the body is not JSON at all).
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}


class InputSchema(BaseModel):
    """Base of request bodies and query-parameter groups.

    A plain pydantic model rather than ``ninja.Schema``: Schema reads attributes of
    any object, so a JSON body of ``[]``, ``5`` or ``"x"`` would pass as all-defaults.
    """


class PageIn(InputSchema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="1-based page number")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="rows per page (at most 200)"
    )


def page_slice(rows: QuerySet | Sequence, paging: PageIn) -> dict[str, Any]:
    """One page of ``rows`` plus the total under ``rows`` (to be turned into ``items``).

    For a queryset that is two queries (count, page) plus the page's prefetches,
    whatever the page size; a list a selector already loaded is sliced in memory.
    """
    start = (paging.page - 1) * paging.page_size
    return {
        "count": rows.count() if isinstance(rows, QuerySet) else len(rows),
        "page": paging.page,
        "page_size": paging.page_size,
        "rows": list(rows[start : start + paging.page_size]),
    }


# --- endpoints made from an app's action registry ----------------------------------------------


def _field_schema(field: forms.Field) -> dict[str, Any]:
    """The JSON schema of one form field, as the API receives it (a form post)."""
    if isinstance(field, forms.FileField):
        return {"type": "array", "items": {"type": "string", "format": "binary"}}
    if isinstance(field, forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.MultipleChoiceField):
        return {"type": "array", "items": {"type": "integer"}}
    if isinstance(field, forms.TypedChoiceField) and field.coerce is int:
        return {"type": "integer", "minimum": 1}
    if isinstance(field, forms.ChoiceField):
        values = [str(v) for v, label in field.choices if v != "" and not isinstance(label, list)]
        return {"type": "string", "enum": values} if values else {"type": "string"}
    if isinstance(field, forms.IntegerField):
        schema: dict[str, Any] = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return schema
    schema = {"type": "string"}
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def form_request_body(form_class: type[forms.Form]) -> dict[str, Any]:
    """An OpenAPI request body (form-encoded or multipart) describing a Django form."""
    fields = form_class.base_fields
    schema = {
        "type": "object",
        "properties": {name: _field_schema(f) for name, f in fields.items()},
        "required": [name for name, f in fields.items() if f.required],
    }
    media = ["multipart/form-data", "application/x-www-form-urlencoded"]
    return {"content": {m: {"schema": schema} for m in media}, "required": False}


def action_routes(
    router: Router,
    registry: ActionRegistry,
    *,
    context: Callable[[Any, int], Any],
    answer: Callable[[Any, Any], Any],
    response: dict[int, Any],
    prefix: str,
) -> None:
    """``POST /{id}/<action>`` for every action of ``registry``: the same checks and form as
    the pages (``ActionRegistry.bind`` / ``perform``). ``context(request, id)`` loads the
    row for the caller (404 outside their scope); ``answer(request, id)`` is the body after
    the action. Errors: 404 not theirs, 409 not possible now, 422 the form's messages,
    400 the services' refusals."""
    for action in registry:
        router.add_api_operation(
            f"/{{id}}/{action.slug}",
            ["POST"],
            _action_view(registry, action, context, answer),
            response=response,
            operation_id=f"{prefix}_{action.name}",
            summary=str(action.label),
            openapi_extra={"requestBody": form_request_body(action.form)},
        )


def _action_view(registry, action, context, answer):
    def view(request, id: int = Path(..., ge=1, le=MAX_ID)):
        ctx = context(request, id)
        bound_action, form = registry.bind(
            request.user, ctx, action.name, request.POST, request.FILES
        )
        registry.perform(request.user, ctx, bound_action, form)
        return answer(request, id)

    view.__name__ = f"{action.name}_action"
    view.__doc__ = str(action.label)
    return view
