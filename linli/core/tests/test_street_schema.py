"""The schema keeps to the plan of docs/scaling.md: ``street`` is the distribution column.

Every domain table (each concrete model of the project's apps) carries a non-null
``street`` foreign key to the grid tree, and every unique constraint and every index
leads with ``street``, so that each one is local to a shard once the tables are
distributed by street. What does not is listed below with its reason; the lists are
checked too, so an entry that no longer exists or no longer breaks the rule fails.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

# Tables not distributed by street. Reference tables are copied to every node: small,
# read from every street, written rarely. Coordinator tables stay where they are.
NOT_DISTRIBUTED = {
    # reference: the login of a person who may hold grants in several streets
    "accounts.user": "reference",
    # reference: looked up by the token's digest before anyone knows the street
    "accounts.apitoken": "reference",
    # reference: the grid tree; districts (and the city) above the streets have no street
    "grids.gridnode": "reference",
    # reference: read on every request to find what a user may do, in every street at once
    "grids.staffassignment": "reference",
    # reference: an Open311 client's key is looked up by its hash, before the street is known
    "workorders.open311apikey": "reference",
    # coordinator: one row per audit chain (a street, or global), locked by each append
    "core.auditchainhead": "coordinator",
    # coordinator: short-lived keys of repeated POSTs, per user, swept daily
    "core.idempotencykey": "coordinator",
    # coordinator: the scheduler's jobs and their runs, over all streets
    "core.scheduledjob": "coordinator",
    "core.jobrun": "coordinator",
}

# Distributed tables whose street may be empty: these rows need a home before distribution
# (docs/scaling.md, "Open items").
NULLABLE_STREET = {
    # changes to logins and to the tree above the streets chain under "global"
    "core.auditevent": "global chain rows",
    # the same for the access log: unmasking outside any street (none today, allowed)
    "core.piiaccess": "rows outside any street",
    # a message to a user about something outside any street (a login, a sweep)
    "core.notification": "messages outside any street",
}

# The workflow kit's own test models: installed by the test settings only, never deployed.
TEST_ONLY_APPS = {"testing"}

# Unique constraints that do not lead with street; ``field:<name>`` is a field's own unique.
UNIQUE_EXCEPTIONS = {
    # The first column is a parent row that belongs to one street, so the constraint is
    # the same with street put in front; on Citus it becomes (street, ...) because the
    # distribution column must be part of every unique constraint (docs/scaling.md).
    ("registry.building", "building_number_unique"): "per compound",
    ("registry.entrance", "entrance_number_unique"): "per building",
    ("registry.dwelling", "dwelling_room_unique"): "per entrance",
    ("registry.householdtag", "household_tag_unique"): "per household",
    ("registry.residenttag", "resident_tag_unique"): "per resident",
    ("workorders.workorderunit", "wo_unit_active_unique"): "per order",
    ("workorders.workorderunit", "wo_one_active_lead"): "per order",
    ("points.statement", "statement_unique"): "per period",
    ("points.suggestionvote", "suggestion_vote_once"): "per suggestion",
    ("points.pointentry", "field:reverses"): "per entry reversed",
    ("volunteering.teammember", "team_member_once"): "per team",
    ("volunteering.orderclaim", "order_claim_once"): "per order",
    ("volunteering.servicerecord", "service_record_once_per_order"): "per order",
    ("safety.checklistitem", "safety_item_label"): "per checklist",
    ("safety.target", "safety_target_compound_once"): "per campaign",
    ("safety.target", "safety_target_unit_once"): "per campaign",
    ("safety.target", "safety_target_area_once"): "per campaign",
    ("safety.itemresult", "safety_result_once"): "per inspection",
    ("safety.chargingsite", "field:facility"): "one site per facility",
    ("volunteering.team", "field:unit"): "per unit",
    ("volunteering.volunteerorder", "field:work_order"): "per work order",
    # Random tokens: unique by chance in practice, and Open311 looks one up with the
    # street named by jurisdiction_id, so (street, public_token) on Citus.
    ("workorders.workorder", "wo_public_token_unique"): "random token",
    # Rules across streets: one login is at most one resident and one volunteer anywhere.
    # Citus cannot enforce them across shards: (street, user) there, and the services
    # check the rest (they already look the user up before creating either).
    ("registry.resident", "field:user"): "one resident per login",
    ("volunteering.volunteer", "field:user"): "one volunteer per login",
    # A user's inbox spans streets; deduplication is per user (notifications with no
    # street included).
    ("core.notification", "notification_dedupe_unique"): "per user",
}

# Indexes that do not lead with street. Every one serves a lookup that already names a
# row of one street (so the query goes to one shard, where the index is local) or a
# background scan over all streets (which runs on every shard).
INDEX_EXCEPTIONS = {
    # a parent's timeline or history, always read through the parent
    ("workorders.workorderevent", "workorders__order_i_8c6d97_idx"): "order timeline",
    ("volunteering.orderevent", "volunteerin_order_i_51ba08_idx"): "order timeline",
    ("volunteering.wishevent", "volunteerin_wish_id_810369_idx"): "wish timeline",
    ("safety.campaignevent", "safety_camp_campaig_ed199d_idx"): "campaign timeline",
    ("safety.hazardevent", "safety_haza_hazard__4c0d15_idx"): "hazard timeline",
    ("safety.noticeevent", "safety_noti_notice__31b135_idx"): "notice timeline",
    ("volunteering.orderclaim", "volunteerin_order_i_f5124c_idx"): "an order's claims",
    ("points.pointentry", "point_entry_account_at"): "an account's entries",
    ("points.statement", "points_stat_account_20e0a4_idx"): "an account's statements",
    # the scheduler's sweeps over every street (partial indexes on open rows)
    ("workorders.workorder", "wo_warn"): "SLA warning sweep",
    ("workorders.workorder", "wo_due"): "SLA due sweep",
    ("volunteering.volunteerorder", "volunteer_order_open"): "open orders sweep",
    # a user's inbox, across streets
    ("core.notification", "core_notifi_user_id_6e55b2_idx"): "inbox",
    # SlugField indexes its value by default; lookups go through (street, code) unique
    ("registry.tag", "field:code"): "slug",
    ("workorders.category", "field:code"): "slug",
}
# Not listed one by one: the single-column index Django gives each foreign key. It
# serves joins from the parent row and the check on deleting it, both of which know the
# parent, hence its street; on Citus it is a local index of each shard.


def _label(model) -> str:
    return model._meta.label_lower


def domain_models() -> list[type[models.Model]]:
    return [
        m
        for app in apps.get_app_configs()
        if app.name.startswith("linli.") and app.label not in TEST_ONLY_APPS
        for m in app.get_models()
        if m._meta.managed and not m._meta.proxy
    ]


def distributed_models() -> list[type[models.Model]]:
    return [m for m in domain_models() if _label(m) not in NOT_DISTRIBUTED]


def _street_first(fields) -> bool:
    return bool(fields) and fields[0] in ("street", "street_id")


def unique_sets(model) -> dict[str, tuple[str, ...]]:
    """Every unique rule of the model but its primary key: name -> columns (field names)."""
    found: dict[str, tuple[str, ...]] = {}
    for field in model._meta.local_fields:
        if field.unique and not field.primary_key:
            found[f"field:{field.name}"] = (field.name,)
    for i, together in enumerate(model._meta.unique_together):
        found[f"unique_together:{i}"] = tuple(together)
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            found[constraint.name] = tuple(constraint.fields) or ("<expression>",)
    return found


def index_sets(model) -> dict[str, tuple[str, ...]]:
    """Every index of the model but the unique ones and those of foreign keys."""
    found: dict[str, tuple[str, ...]] = {}
    for field in model._meta.local_fields:
        if field.db_index and not field.unique and not field.is_relation:
            found[f"field:{field.name}"] = (field.name,)
    for index in model._meta.indexes:
        fields = tuple(f.lstrip("-") for f in index.fields)
        found[index.name] = fields or ("<expression>",)
    return found


def test_every_domain_table_has_a_street():
    wrong = []
    for model in distributed_models():
        try:
            street = model._meta.get_field("street")
        except Exception:
            wrong.append(f"{_label(model)}: no street")
            continue
        if street.related_model is not apps.get_model("grids", "GridNode"):
            wrong.append(f"{_label(model)}: street is not a foreign key to the grid tree")
        elif street.null != (_label(model) in NULLABLE_STREET):
            wrong.append(f"{_label(model)}: street null={street.null}")
    assert wrong == []


def test_every_unique_constraint_leads_with_street():
    breaking = {
        (_label(m), name)
        for m in distributed_models()
        for name, fields in unique_sets(m).items()
        if not _street_first(fields)
    }
    assert sorted(breaking - UNIQUE_EXCEPTIONS.keys()) == []
    assert sorted(UNIQUE_EXCEPTIONS.keys() - breaking) == [], "stale exceptions"


def test_every_index_leads_with_street():
    breaking = {
        (_label(m), name)
        for m in distributed_models()
        for name, fields in index_sets(m).items()
        if not _street_first(fields)
    }
    assert sorted(breaking - INDEX_EXCEPTIONS.keys()) == []
    assert sorted(INDEX_EXCEPTIONS.keys() - breaking) == [], "stale exceptions"


def test_the_lists_name_real_tables():
    labels = {_label(m) for m in domain_models()}
    assert NOT_DISTRIBUTED.keys() <= labels
    assert NULLABLE_STREET.keys() <= labels - NOT_DISTRIBUTED.keys()
    assert set(NOT_DISTRIBUTED.values()) == {"reference", "coordinator"}
