# The place and tag keys of 0004 and 0006 on SQLite, which cannot add a foreign key to an
# existing table: triggers that refuse the same rows. A child row must name an existing
# parent with the same street (and grid), and a parent's grid change is carried down to its
# children (as ON UPDATE CASCADE does on PostgreSQL). A parent with children is kept by the
# ORM (on_delete=PROTECT); a trigger refusing it would fire at once, where the keys are
# checked at commit, and so refuse emptying all the tables together (the tests' flush).
from django.db import migrations

# (name, child table, child columns, parent table, parent columns, cascade on update)
REFERENCES = [
    ("dwelling_in_entrance", "registry_dwelling", ["entrance_id", "street_id"],
     "registry_entrance", ["id", "street_id"], False),
    ("household_in_dwelling", "registry_household", ["dwelling_id", "street_id", "grid_id"],
     "registry_dwelling", ["id", "street_id", "grid_id"], True),
    ("resident_in_household", "registry_resident", ["household_id", "street_id", "grid_id"],
     "registry_household", ["id", "street_id", "grid_id"], True),
    ("householdtag_of_street", "registry_householdtag", ["tag_id", "street_id"],
     "registry_tag", ["id", "street_id"], False),
    ("residenttag_of_street", "registry_residenttag", ["tag_id", "street_id"],
     "registry_tag", ["id", "street_id"], False),
]  # fmt: skip

TRIGGERS = ["ins", "upd", "cascade"]


def _match(child_cols, parent_cols, row) -> str:
    return " AND ".join(f"{p} = {row}.{c}" for c, p in zip(child_cols, parent_cols))


def _statements(name, child, child_cols, parent, parent_cols, cascade):
    refused = f"BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {name}'); END"
    missing = (
        f"NEW.{child_cols[0]} IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {parent} WHERE {_match(child_cols, parent_cols, 'NEW')})"
    )
    yield f"CREATE TRIGGER {name}_ins BEFORE INSERT ON {child} WHEN {missing} {refused}"
    yield (
        f"CREATE TRIGGER {name}_upd BEFORE UPDATE OF {', '.join(child_cols)} ON {child} "
        f"WHEN {missing} {refused}"
    )
    if cascade:
        yield (
            f"CREATE TRIGGER {name}_cascade AFTER UPDATE OF grid_id ON {parent} "
            f"WHEN NEW.grid_id IS NOT OLD.grid_id BEGIN UPDATE {child} SET grid_id = NEW.grid_id "
            f"WHERE {child_cols[0]} = OLD.{parent_cols[0]}; END"
        )


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for reference in REFERENCES:
        for sql in _statements(*reference):
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, *_rest in REFERENCES:
        for suffix in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_tag_link_names")]
    operations = [migrations.RunPython(add, drop)]
