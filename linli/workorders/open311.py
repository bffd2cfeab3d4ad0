"""Open311 GeoReport v2 at ``/open311/v2/`` (JSON; XML is not offered).

Endpoints (spec: http://wiki.open311.org/GeoReport_v2):

* ``GET  discovery.json``
* ``GET  services.json`` and ``services/{service_code}.json`` — the street's
  active categories; ``service_code`` is the category code (``leak``, ``power_cut`` ...);
* ``GET  requests.json`` — filters ``service_request_id`` (comma list),
  ``service_code`` (comma list), ``start_date`` / ``end_date`` (W3C datetimes;
  default: the last 90 days), ``status`` (``open`` / ``closed``); at most 1000 rows;
* ``POST requests.json`` — ``api_key``, ``service_code``, ``description``,
  ``lat`` + ``long`` and/or ``address_string``; optional ``first_name``,
  ``last_name``, ``phone`` (kept encrypted, never published), ``email`` and
  ``media_url`` (both ignored);
* ``GET  requests/{service_request_id}.json`` and ``tokens/{token}.json``.

``jurisdiction_id`` is the street's division code. It may be left out when only
one street publishes Open311 (has an active key). The API key (stored as a
hash, see ``models_open311``) names the street and the account the request is
filed as; the intake goes through ``services.workorder_intake`` (channel
``open311``) like any desk intake.

Status: ``open`` while the order is open, ``closed`` once it is closed,
rejected, merged or withdrawn; the extension field ``linli_status`` carries the
internal status (``in_progress``, ``merged`` ...) and ``linli_status_label`` its
wording. Public answers never carry personal data: no reporter name or phone,
the address is the compound (never a dwelling's room number), and the
description of a request about a private dwelling is replaced by its category.

Errors are the spec's list ``[{"code": 400, "description": "..."}]`` with the
same HTTP status: 400 bad or missing input, 403 bad API key, 404 unknown
service / request / token / jurisdiction, 405 wrong method.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from linli.core.errors import LinliError
from linli.grids.models import GridNode, NodeKind
from linli.registry.models import Compound

from . import services
from .models import Category, Channel, WorkOrder
from .models_open311 import Open311ApiKey, hash_key, new_key
from .workflow import OPEN, Status

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+08:00"
MAX_RESULTS = 1000
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _error(status: int, description: str) -> JsonResponse:
    return JsonResponse([{"code": status, "description": description}], status=status, safe=False)


def _json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def open311_view(methods: tuple[str, ...]):
    """Decorator: method check, Open311 errors, and Http404 → a 404 in the Open311 shape."""

    def wrap(fn):
        @csrf_exempt  # an API for other systems: authenticated by api_key, not by cookie
        def view(request, *args, **kwargs):
            if request.method not in methods:
                return _error(405, _("Method not allowed."))
            try:
                return fn(request, *args, **kwargs)
            except Open311Error as exc:
                return _error(exc.status, exc.description)
            except Http404:
                return _error(404, _("Not found."))

        view.__name__ = fn.__name__
        view.__doc__ = fn.__doc__
        return view

    return wrap


# --- keys and jurisdictions ------------------------------------------------------------------


def api_key_issue(*, street, user, name: str, raw: str | None = None) -> tuple[Open311ApiKey, str]:
    """Create an Open311 key for ``street`` acting as ``user``; returns (row, the clear key),
    which is shown once and never stored."""
    raw = raw or new_key()
    with transaction.atomic():
        row = Open311ApiKey.objects.create(
            street=street, user=user, name=name, key_hash=hash_key(raw)
        )
    return row, raw


def _key(raw: str) -> Open311ApiKey:
    raw = (raw or "").strip()
    if not raw:
        raise Open311Error(400, _("api_key is required."))
    key = (
        Open311ApiKey.objects.filter(key_hash=hash_key(raw), active=True)
        .select_related("user", "street")
        .first()
    )
    if key is None or not key.user.is_active:
        raise Open311Error(403, _("Invalid api_key."))
    return key


def _street(jurisdiction_id: str | None) -> GridNode:
    """The street named by ``jurisdiction_id`` (its code), or the only street publishing."""
    streets = GridNode.objects.filter(
        kind=NodeKind.STREET,
        pk__in=Open311ApiKey.objects.filter(active=True).values("street_id"),
    )
    if jurisdiction_id:
        street = streets.filter(code=jurisdiction_id.strip()).first()
        if street is None:
            raise Open311Error(404, _("Unknown jurisdiction_id."))
        return street
    only = list(streets[:2])
    if len(only) != 1:
        raise Open311Error(400, _("jurisdiction_id is required."))
    return only[0]


def _base(request) -> str:
    return request.build_absolute_uri(reverse("open311:discovery")).rsplit("/", 1)[0] + "/"


# --- discovery and services ------------------------------------------------------------------


@open311_view(("GET",))
def discovery(request):
    contact = getattr(settings, "LINLI_OPEN311_CONTACT", "")
    return _json(
        {
            "changeset": CHANGESET,
            "contact": contact,
            "key_service": _("Ask the street office for an API key."),
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": _base(request),
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["application/json"],
                }
            ],
        }
    )


def _service(c: Category) -> dict:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.name,
        "metadata": False,
        "type": "realtime",
        "keywords": c.urgency,
        "group": c.parent.name if c.parent_id else "",
    }


def _categories(street: GridNode):
    return Category.objects.filter(street=street, active=True).select_related("parent")


@open311_view(("GET",))
def service_list(request):
    street = _street(request.GET.get("jurisdiction_id"))
    return _json([_service(c) for c in _categories(street).order_by("order", "id")])


@open311_view(("GET",))
def service_definition(request, code: str):
    street = _street(request.GET.get("jurisdiction_id"))
    category = _categories(street).filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("Unknown service_code."))
    return _json({"service_code": category.code, "attributes": []})


# --- requests --------------------------------------------------------------------------------


def _status(o: WorkOrder) -> str:
    return "open" if o.status in OPEN else "closed"


def _public(o: WorkOrder) -> dict:
    """One request as published: no reporter, no room number, no private description."""
    private = o.dwelling_id is not None and not o.public_area
    address = o.compound.name if o.compound_id else ""
    if o.building_id and o.building and not private:
        address = f"{address} {o.building.number}号楼".strip()
    if not address:
        address = o.grid.name
    expected = o.resolve_due if o.status in OPEN else None
    return {
        "service_request_id": o.number,
        "status": _status(o),
        "status_notes": str(Status(o.status).label),
        "service_name": o.category.name,
        "service_code": o.category.code,
        "description": o.category.name if private else o.description,
        "agency_responsible": o.lead_unit.name if o.lead_unit_id else "",
        "service_notice": "",
        "requested_datetime": _iso(o.created_at),
        "updated_datetime": _iso(o.updated_at),
        "expected_datetime": _iso(expected) if expected else None,
        "address": address,
        "address_id": "",
        "zipcode": "",
        "lat": float(o.latitude) if o.latitude is not None and not private else None,
        "long": float(o.longitude) if o.longitude is not None and not private else None,
        "media_url": "",
        "linli_status": o.status,
        "linli_status_label": str(Status(o.status).label),
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _orders(street: GridNode):
    return WorkOrder.objects.filter(street=street).select_related(
        "category", "compound", "building", "grid", "lead_unit"
    )


def _date(request, name: str) -> dt.datetime | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw.strip().replace(" ", "+"))
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(400, _("%(name)s must be a W3C datetime.") % {"name": name})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _csv(request, name: str) -> list[str]:
    return [v.strip() for v in (request.GET.get(name) or "").split(",") if v.strip()]


@csrf_exempt
def requests_endpoint(request):
    if request.method == "POST":
        return request_create(request)
    return request_list(request)


@open311_view(("GET",))
def request_list(request):
    street = _street(request.GET.get("jurisdiction_id"))
    qs = _orders(street)
    ids = _csv(request, "service_request_id")
    if ids:
        # The spec: when ids are given, the other filters are ignored.
        qs = qs.filter(number__in=ids[:MAX_RESULTS])
    else:
        start, end = _date(request, "start_date"), _date(request, "end_date")
        if start is None and end is None:
            start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
        if start is not None:
            qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
        codes = _csv(request, "service_code")
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = set(_csv(request, "status"))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        if statuses == {"open"}:
            qs = qs.filter(status__in=OPEN)
        elif statuses == {"closed"}:
            qs = qs.exclude(status__in=OPEN)
    rows = list(qs.order_by("-created_at", "-id")[:MAX_RESULTS])
    return _json([_public(o) for o in rows])


@open311_view(("GET",))
def request_detail(request, number: str):
    street = _street(request.GET.get("jurisdiction_id"))
    order = _orders(street).filter(number=number).first()
    if order is None:
        raise Open311Error(404, _("Unknown service_request_id."))
    return _json([_public(order)])


@open311_view(("GET",))
def token_detail(request, token: str):
    street = _street(request.GET.get("jurisdiction_id"))
    try:
        value = uuid.UUID(token)
    except ValueError:
        raise Open311Error(404, _("Unknown token.")) from None
    order = WorkOrder.objects.filter(street=street, public_token=value).first()
    if order is None:
        raise Open311Error(404, _("Unknown token."))
    return _json([{"service_request_id": order.number, "token": str(order.public_token)}])


def _point(request) -> tuple[Decimal, Decimal] | None:
    lat, lon = request.POST.get("lat"), request.POST.get("long")
    if not lat and not lon:
        return None
    try:
        la, lo = Decimal(lat), Decimal(lon)
    except (InvalidOperation, TypeError):
        raise Open311Error(400, _("lat and long must be decimal degrees.")) from None
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        raise Open311Error(400, _("lat and long must be decimal degrees."))
    return la.quantize(Decimal("0.000001")), lo.quantize(Decimal("0.000001"))


def _contains(geometry: dict | None, lon: float, lat: float) -> bool:
    """Point in a GeoJSON Polygon / MultiPolygon (ray casting; holes respected)."""
    if not isinstance(geometry, dict):
        return False
    if geometry.get("type") == "Feature":
        return _contains(geometry.get("geometry"), lon, lat)
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for rings in polygons:
        if (
            rings
            and _in_ring(rings[0], lon, lat)
            and not any(_in_ring(h, lon, lat) for h in rings[1:])
        ):
            return True
    return False


def _in_ring(ring, x: float, y: float) -> bool:
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def locate(street: GridNode, address: str, point) -> dict:
    """Where an Open311 request lies: a compound named in the address, else the grid whose
    boundary contains the point. Raises Open311Error (400) when neither is found."""
    address = (address or "").strip()
    if address:
        names = Compound.objects.filter(street=street).values_list("pk", "name")
        hits = sorted(((len(n), pk) for pk, n in names if n and n in address), reverse=True)
        if hits:
            return {"compound": Compound.objects.get(pk=hits[0][1])}
    if point is not None:
        lat, lon = float(point[0]), float(point[1])
        for grid in GridNode.objects.filter(street=street, kind=NodeKind.GRID).order_by("path"):
            if _contains(grid.boundary, lon, lat):
                return {"grid": grid}
    if not address and point is None:
        raise Open311Error(400, _("Give lat and long, or address_string."))
    raise Open311Error(400, _("The location is not within this jurisdiction."))


@open311_view(("POST",))
def request_create(request):
    data = request.POST
    key = _key(data.get("api_key"))
    if data.get("jurisdiction_id") and data["jurisdiction_id"].strip() != key.street.code:
        raise Open311Error(403, _("The api_key is not valid for this jurisdiction_id."))
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = _categories(key.street).filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("Unknown service_code."))
    description = (data.get("description") or "").strip()
    if not description:
        raise Open311Error(400, _("description is required."))
    if "\x00" in description:
        raise Open311Error(400, _("description contains invalid characters."))
    point = _point(request)
    address = (data.get("address_string") or "").strip()[:200]
    place = locate(key.street, address, point)
    name = f"{(data.get('last_name') or '').strip()}{(data.get('first_name') or '').strip()}"[:60]
    location_text = address or (f"{point[0]}, {point[1]}" if point else "")
    try:
        order = services.workorder_intake(
            actor=key.user,
            channel=Channel.OPEN311,
            category=category,
            description=description,
            location_text=location_text,
            reporter_name=name,
            reporter_phone=(data.get("phone") or "").strip(),
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
            **place,
        )
    except LinliError as exc:
        field = {"reporter_phone": "phone", "reporter_name": "last_name"}.get(
            exc.field or "", exc.field
        )
        prefix = f"{field}: " if field else ""
        raise Open311Error(400, prefix + exc.message) from None
    except Http404:
        raise Open311Error(
            403, _("The account behind this api_key may not file requests there.")
        ) from None
    Open311ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return _json(
        [
            {
                "service_request_id": order.number,
                "token": str(order.public_token),
                "service_notice": _("Resolve by %(due)s.") % {"due": _iso(order.resolve_due)},
                "account_id": None,
            }
        ],
        status=201,
    )


@open311_view(("GET", "POST"))
def xml_not_offered(request, rest: str):
    raise Open311Error(400, _("Only the JSON format is offered; use .json."))


app_name = "open311"
urlpatterns = [
    path("discovery.json", discovery, name="discovery"),
    path("services.json", service_list, name="services"),
    path("services/<str:code>.json", service_definition, name="service"),
    path("requests.json", requests_endpoint, name="requests"),
    path("requests/<str:number>.json", request_detail, name="request"),
    path("tokens/<str:token>.json", token_detail, name="token"),
    path("<path:rest>.xml", xml_not_offered, name="xml"),
]
