"""Who may do what in the database: an owner role for migrations, an app role for the rest.

The tables belong to the owner (``LINLI_DATABASE_OWNER_URL``), which ``linli migrate``
connects as. Web servers and workers connect as the app role (``LINLI_DATABASE_URL``),
which owns nothing, so it can neither change a table's structure nor set its triggers
aside. It may read and write ordinary tables and use their sequences; on the append-only
tables (``guards.append_only_tables``) it may only read and insert. It holds no TRUNCATE
anywhere. Default privileges give it the same on tables a later migration creates, and
``migrate`` grants again afterwards, so a new append-only table is narrowed too.

``grant_sql`` is what ``linli db-roles`` prints or applies.
"""

from __future__ import annotations

from django.db import connection

from .guards import append_only_tables

WRITES = "SELECT, INSERT, UPDATE, DELETE"


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def role_sql(app: str, *, password: str | None = None) -> list[str]:
    """Create the app role if it is missing, and take every power beyond logging in."""
    create = (
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
        f"{literal(app)}) THEN CREATE ROLE {quote(app)} LOGIN; END IF; END $$"
    )
    alter = (
        f"ALTER ROLE {quote(app)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
        "NOREPLICATION NOBYPASSRLS"
    )
    if password:
        alter += f" PASSWORD {literal(password)}"
    return [create, alter]


def grant_sql(app: str, owner: str, database: str, schema: str = "public") -> list[str]:
    """The app role's grants on the current tables, sequences and those made later."""
    a, o, s = quote(app), quote(owner), quote(schema)
    statements = [
        f"GRANT CONNECT ON DATABASE {quote(database)} TO {a}",
        f"REVOKE ALL ON SCHEMA {s} FROM {a}",
        f"GRANT USAGE ON SCHEMA {s} TO {a}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {a}",
        f"GRANT {WRITES} ON ALL TABLES IN SCHEMA {s} TO {a}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {a}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT {WRITES} ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {a}",
    ]
    tables = ", ".join(quote(t) for t in append_only_tables())
    if tables:
        statements.append(f"REVOKE UPDATE, DELETE ON {tables} FROM {a}")
    return statements
