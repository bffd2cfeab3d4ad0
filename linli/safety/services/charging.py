"""E-bike charging (解飞线充电难题): a charging site proposed at a compound, built (it becomes
a facility of the registry) or found unsuitable with the reason (燃气管道在下方，不宜安装).
Each step goes to the change history."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.audit import record_change
from linli.core.errors import InvalidInput
from linli.core.text import clean_text
from linli.grids import permissions as perms
from linli.registry.models import Compound, Facility, FacilityKind

from .. import permissions as p
from ..machine import CHARGING
from ..models import ChargingKind, ChargingSite

FACILITY_KIND = {
    ChargingKind.PILES: FacilityKind.CHARGING_PILE,
    ChargingKind.SHED: FacilityKind.SHED,
}
FACILITY_NAME = {ChargingKind.PILES: "电动自行车充电桩", ChargingKind.SHED: "非机动车充电车棚"}
MAX_PORTS = 500


def _ports(ports: int) -> int:
    if not isinstance(ports, int) or not 1 <= ports <= MAX_PORTS:
        raise InvalidInput(
            _("Give 1 to %(max)d charging ports.") % {"max": MAX_PORTS}, field="ports"
        )
    return ports


def charging_propose(
    *, actor, compound: Compound, kind: str, location: str, ports: int, at=None
) -> ChargingSite:
    """A place proposed for charging piles or a shed at a compound."""
    if not perms.allows(actor, p.CHARGING, compound):
        raise Http404
    if kind not in ChargingKind.values:
        raise InvalidInput(_("Choose piles or a shed."), field="kind")
    location = clean_text(location, field="location", label=_("where"), required=True, limit=120)
    with transaction.atomic():
        site = ChargingSite.objects.create(
            street_id=compound.street_id, compound=compound, grid_id=compound.grid_id, kind=kind,
            location=location, ports=_ports(ports), proposed_by=actor,
            proposed_at=at or timezone.now(),
        )  # fmt: skip
        record_change(actor=actor, target=site, verb="create",
                      summary=_("Charging site proposed"),
                      changes={"compound": compound.name, "location": location, "ports": ports})  # fmt: skip
    return site


def charging_build(
    *,
    actor,
    site: ChargingSite,
    installed_on: dt.date,
    installer: str,
    ports: int,
    cost_sharing: str = "",
    electricity: str = "",
    position: tuple | None = None,
    at=None,
) -> ChargingSite:
    """Built: who installed it and when, the ports, how the cost was shared and how the
    electricity is paid; the registry gains the facility (at ``position``, latitude and
    longitude, when known: the map shows it there)."""
    installer = clean_text(
        installer, field="installer", label=_("who installed it"), required=True, limit=80
    )
    cost_sharing = clean_text(cost_sharing, field="cost_sharing", label=_("the cost sharing"),
                              limit=200)  # fmt: skip
    electricity = clean_text(electricity, field="electricity", label=_("the electricity"),
                             limit=200)  # fmt: skip
    ports = _ports(ports)
    now = at or timezone.now()
    if installed_on > timezone.localdate(now):
        raise InvalidInput(
            _("The installation date cannot be in the future."), field="installed_on"
        )

    def apply(row, when):
        row.facility = Facility.objects.create(
            street_id=row.street_id, grid_id=row.grid_id, compound_id=row.compound_id,
            kind=FACILITY_KIND[row.kind], name=f"{row.compound.name}{FACILITY_NAME[row.kind]}",
            location=row.location, quantity=ports,
            latitude=position[0] if position else None,
            longitude=position[1] if position else None,
        )  # fmt: skip
        row.installed_on, row.installer, row.ports = installed_on, installer, ports
        row.cost_sharing, row.electricity = cost_sharing, electricity
        return ["facility", "installed_on", "installer", "ports", "cost_sharing", "electricity"]

    with transaction.atomic():
        row, _event = CHARGING.transition(actor=actor, row=site, name="build", apply=apply, at=now)
        record_change(actor=actor, target=row, verb="update", summary=_("Charging site built"),
                      changes={"installer": installer, "installed_on": str(installed_on),
                               "ports": ports})  # fmt: skip
    return row


def charging_reject(*, actor, site: ChargingSite, reason: str, at=None) -> ChargingSite:
    """Not suitable here, and why (燃气管道在下方，不宜安装)."""
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=200)

    def apply(row, when):
        row.reason = reason
        return ["reason"]

    with transaction.atomic():
        row, _event = CHARGING.transition(actor=actor, row=site, name="reject", apply=apply, at=at)
        record_change(actor=actor, target=row, verb="update",
                      summary=_("Charging site not suitable"), changes={"reason": reason})  # fmt: skip
    return row
