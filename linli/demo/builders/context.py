"""What every demo builder shares: the street being built, what earlier builders made,
and the seeded randomness that makes two builds on fresh databases identical."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from faker import Faker

SEED = 20211013  # fixed: same street, names and ID numbers on every fresh build
DEMO_PASSWORD = "linli-demo"
DISTRICT_CODE = "310109"
DISTRICT_NAME = "虹口区"
STREET_CODE = "310109011000"
STREET_NAME = "宝山路街道"
# Birth dates are drawn relative to this year, not to today, so the data never drifts.
REFERENCE_YEAR = 2026


@dataclass
class DemoContext:
    """Passed to each builder in ``BUILDERS`` order; builders read what earlier ones added.

    Dictionaries are keyed by the Chinese name (nodes, units, compounds) or the
    username (users). ``extra`` is for builders that need to hand something on
    without a dedicated attribute.
    """

    rng: random.Random
    faker: Faker
    log: Callable[[str], None] = print
    district: Any = None
    street: Any = None
    nodes: dict[str, Any] = field(default_factory=dict)
    units: dict[str, Any] = field(default_factory=dict)
    compounds: dict[str, Any] = field(default_factory=dict)
    buildings: list[Any] = field(default_factory=list)
    households: list[Any] = field(default_factory=list)
    residents: list[Any] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    # The build day (Shanghai time): the demo's requests run up to the start of this day.
    today: dt.date = field(default_factory=timezone.localdate)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fresh(cls, log: Callable[[str], None] = print, today: dt.date | None = None) -> DemoContext:
        faker = Faker("zh_CN")
        faker.seed_instance(SEED)
        ctx = cls(rng=random.Random(SEED), faker=faker, log=log)
        if today is not None:
            ctx.today = today
        return ctx
