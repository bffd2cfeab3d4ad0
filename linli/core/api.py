"""Pieces every router of the JSON API shares: the error shape, id bounds and pagination.

They live in ``core`` so that each app's ``api.py`` can use them without importing
the API root (``linli/api.py``), which imports the apps' routers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import BaseModel

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
