"""The default request categories every street starts with (editable afterwards).

Deadlines follow common practice in Shanghai street offices: ordinary requests
are answered within one working day and resolved within a few working days;
urgent ones (停电, 漏水 into a dwelling, lifts, fire hazards such as 飞线充电)
run on clock hours.
"""

from __future__ import annotations

from django.db import transaction

from linli.core.sla import ClockUnit

from .models import Category, HandlerKind, Urgency

H, D = ClockUnit.HOURS, ClockUnit.WORKING_DAYS
P, M, C, V, N = (
    HandlerKind.PROPERTY_COMPANY,
    HandlerKind.MUNICIPAL,
    HandlerKind.CITY_MANAGEMENT,
    HandlerKind.VOLUNTEER_TEAM,
    HandlerKind.NEIGHBOURHOOD,
)
U, R = Urgency.URGENT, Urgency.NORMAL  # urgent, regular

# code, name, handler, response, resolve, clock unit, urgency, public area
DEFAULT_CATEGORIES = [
    ("leak", "房屋漏水", P, 2, 48, H, U, False),
    ("doors_windows", "门窗维修", V, 1, 5, D, R, False),
    ("water_electric", "水电", P, 1, 3, D, R, False),
    ("public_lighting", "公共照明", P, 1, 3, D, R, True),
    ("power_cut", "停电", M, 1, 12, H, U, True),
    ("lift", "电梯", P, 2, 24, H, U, True),
    ("greenery", "绿化", P, 2, 10, D, R, True),
    ("sanitation", "环境卫生", P, 1, 3, D, R, True),
    ("clutter", "堆物", P, 1, 5, D, R, True),
    ("flying_wire", "飞线充电", P, 2, 24, H, U, True),
    ("noise", "噪声扰民", C, 1, 5, D, R, False),
    ("dispute", "邻里纠纷", N, 1, 10, D, R, False),
    ("illegal_building", "违章搭建", C, 2, 15, D, R, True),
    ("assistance", "帮困救助", N, 1, 5, D, R, False),
    ("other", "其他", N, 1, 5, D, R, False),
]


@transaction.atomic
def ensure_default_categories(street) -> dict[str, Category]:
    """Create the default categories of ``street`` (a street GridNode or its id) if missing.

    Idempotent; existing categories are left as the street configured them.
    Returns every category of the street by code.
    """
    street_id = getattr(street, "pk", street)
    existing = {c.code: c for c in Category.objects.filter(street_id=street_id)}
    for position, row in enumerate(DEFAULT_CATEGORIES):
        code, name, handler, response, resolve, unit, urgency, public = row
        if code in existing:
            continue
        existing[code] = Category.objects.create(
            street_id=street_id,
            code=code,
            name=name,
            handler_kind=handler,
            response_limit=response,
            resolve_limit=resolve,
            clock_unit=unit,
            urgency=urgency,
            public_area=public,
            order=position,
        )
    return existing
