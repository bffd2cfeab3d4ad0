"""Forms of the safety pages and API (the services check the rules again)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.forms import DateField, OnceForm, PhotosField, QueuedForm

from .models import ChargingKind, HazardSource, Result, Severity, SiteKind
from .services import ItemInput

TEXTAREA = {"rows": 3}


def _text(label, required=False, max_length=500):
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs=TEXTAREA)
    )


def _choices(rows, label=lambda r: r.name):
    return [(r.pk, label(r)) for r in rows]


class CampaignForm(OnceForm):
    name = forms.CharField(
        label=_("Campaign name"), max_length=80, help_text=_("For example: 疫情防控期间“三清四查”")
    )
    node = forms.TypedChoiceField(label=_("Where (street or neighbourhood)"), coerce=int)
    starts_on = DateField(label=_("Starts on"))
    ends_on = DateField(label=_("Ends on"))
    lead_unit = forms.TypedChoiceField(label=_("Lead office"), coerce=int, required=False)
    units = forms.TypedMultipleChoiceField(
        label=_("Units taking part"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    leader = forms.CharField(
        label=_("Led by"),
        max_length=60,
        required=False,
        help_text=_("For example: 街道党工委副书记张宇"),
    )
    checklist = forms.TypedChoiceField(label=_("Checklist"), coerce=int)
    target_kinds = forms.MultipleChoiceField(
        label=_("Kinds of site to inspect"),
        choices=SiteKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, nodes=(), units=(), checklists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = {
            "node": {n.pk: n for n in nodes},
            "unit": {u.pk: u for u in units},
            "checklist": {c.pk: c for c in checklists},
        }
        self.fields["node"].choices = _choices(nodes)
        self.fields["lead_unit"].choices = [("", "—"), *_choices(units)]
        self.fields["units"].choices = _choices(units)
        self.fields["checklist"].choices = _choices(checklists)

    def campaign_values(self) -> dict:
        d = self.cleaned_data
        units = self.rows["unit"]
        return {
            "name": d["name"],
            "node": self.rows["node"][d["node"]],
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "lead_unit": units.get(d.get("lead_unit")),
            "units": [units[pk] for pk in d["units"]],
            "leader": d["leader"],
            "checklist": self.rows["checklist"][d["checklist"]],
            "target_kinds": d["target_kinds"],
        }


class TargetsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of site"),
        choices=[c for c in SiteKind.choices if c[0] != SiteKind.PUBLIC_AREA],
        widget=forms.CheckboxSelectMultiple,
    )
    grid = forms.TypedChoiceField(label=_("Only in grid"), coerce=int, required=False)
    only_with_open_hazards = forms.BooleanField(
        label=_("Only sites with open hazards (risk)"), required=False
    )

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.grids = {g.pk: g for g in grids}
        self.fields["grid"].choices = [("", _("All grids of the area")), *_choices(grids)]


class ChecklistForm(forms.Form):
    name = forms.CharField(label=_("Checklist name"), max_length=60)
    items = forms.CharField(
        label=_("Items, one per line: item | counted in | report wording"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("For example: 电动自行车违规停放/充电 | 辆 | 电动自行车违规停放充电{n}辆"),
    )


class WordingForm(forms.Form):
    authority = forms.CharField(
        label=_("Issued in the name of"), max_length=80,
        help_text=_("Printed above the notice's title, for example: 宝山路街道社区平安办"),
    )  # fmt: skip
    legal_basis = forms.CharField(
        label=_("Legal basis printed on every notice"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    days_to_rectify = forms.IntegerField(
        label=_("Days to put right, unless the notice says otherwise"), min_value=1, max_value=90
    )


class InspectionForm(QueuedForm):
    """One inspection: a result for each item of the checklist (fields named after the
    item's id), then the team, the time, notes and photos."""

    inspected_at = forms.DateTimeField(
        label=_("Inspected at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    night = forms.BooleanField(label=_("Night inspection (夜查)"), required=False)
    units = forms.TypedMultipleChoiceField(
        label=_("Units on the team"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    members = forms.CharField(
        label=_("Team members"),
        max_length=200,
        required=False,
        help_text=_("Names, for example: 张宇、李坚、派出所民警王明"),
    )
    note = _text(_("Notes"), max_length=2000)
    photos = PhotosField(label=_("Photos of the inspection"))

    def __init__(self, *args, items=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.units = {u.pk: u for u in units}
        self.fields["units"].choices = _choices(units)
        self.fields["inspected_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        for item in self.items:
            i = item.pk
            self.fields[f"item_{i}"] = forms.ChoiceField(
                label=item.label,
                choices=Result.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a result for this item.")},
            )
            if item.count_unit:
                self.fields[f"count_{i}"] = forms.IntegerField(
                    label=_("How many (%(unit)s)") % {"unit": item.count_unit},
                    min_value=0,
                    max_value=10_000,
                    required=False,
                )
            self.fields[f"note_{i}"] = forms.CharField(
                label=_("What was found"), max_length=200, required=False
            )
            self.fields[f"severity_{i}"] = forms.ChoiceField(
                label=_("Severity"),
                choices=Severity.choices,
                initial=Severity.MINOR,
                required=False,
            )
            self.fields[f"fixed_{i}"] = forms.BooleanField(
                label=_("Put right on the spot"), required=False
            )
            self.fields[f"after_{i}"] = PhotosField(label=_("Photo after it was put right"))

    def item_rows(self) -> list[dict]:
        """The bound fields of each item, for the template."""
        rows = []
        for item in self.items:
            i = item.pk
            rows.append(
                {
                    "item": item,
                    "result": self[f"item_{i}"],
                    "count": self[f"count_{i}"] if item.count_unit else None,
                    "note": self[f"note_{i}"],
                    "severity": self[f"severity_{i}"],
                    "fixed": self[f"fixed_{i}"],
                    "after": self[f"after_{i}"],
                }
            )
        return rows

    def item_inputs(self) -> list[ItemInput]:
        d = self.cleaned_data
        return [
            ItemInput(
                item=item,
                result=d[f"item_{item.pk}"],
                count=d.get(f"count_{item.pk}"),
                note=d[f"note_{item.pk}"],
                severity=d[f"severity_{item.pk}"] or Severity.MINOR,
                fixed_on_spot=d[f"fixed_{item.pk}"],
                after_photos=d[f"after_{item.pk}"],
            )
            for item in self.items
        ]

    def inspection_values(self) -> dict:
        d = self.cleaned_data
        return {
            "items": self.item_inputs(),
            "inspected_at": d["inspected_at"],
            "night": d["night"],
            "units": [self.units[pk] for pk in d["units"]],
            "members": d["members"],
            "note": d["note"],
            "photos": d["photos"],
            "idempotency_key": d["form_token"],
        }


class HazardForm(QueuedForm):
    """A hazard seen on patrol."""

    item = forms.TypedChoiceField(label=_("Kind of hazard"), coerce=int, required=False)
    description = forms.CharField(
        label=_("What did you see?"),
        max_length=300,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("For example: 3号楼2单元楼道内有电线从窗口拉下给电动车充电"),
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    source = forms.ChoiceField(
        label=_("Found on"),
        choices=[c for c in HazardSource.choices if c[0] in ("patrol", "volunteer")],
    )
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {i.pk: i for i in items}
        self.fields["item"].choices = [("", "—"), *_choices(items, lambda i: i.label)]


class NoticeForm(OnceForm):
    hazards = forms.TypedMultipleChoiceField(
        label=_("Hazards to put right"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("A notice must name at least one hazard.")},
    )
    responsible = forms.CharField(label=_("Responsible person"), max_length=60)
    demand = _text(_("What must be done"), max_length=1000)
    deadline = DateField(label=_("Put right by"))
    reinspect_on = DateField(label=_("Re-inspection on (回头看)"), required=False)
    units = forms.TypedMultipleChoiceField(
        label=_("Issuing units"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, hazards=(), units=(), days=7, **kwargs):
        super().__init__(*args, **kwargs)
        self.hazard_rows = {h.pk: h for h in hazards}
        self.units = {u.pk: u for u in units}
        self.fields["hazards"].choices = [(h.pk, f"{h.number} {h.description}") for h in hazards]
        self.fields["hazards"].initial = list(self.hazard_rows)
        self.fields["units"].choices = _choices(units)
        self.fields["deadline"].initial = timezone.localdate() + dt.timedelta(days=days)


class AcknowledgeForm(forms.Form):
    signed_by = forms.CharField(label=_("Signed for by"), max_length=60)


class FixForm(forms.Form):
    photos = PhotosField(label=_("Photo of the place put right"))
    note = _text(_("What was done to put it right"))


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), required=True)


class NoteForm(forms.Form):
    note = _text(_("Note"))


class DecisionForm(forms.Form):
    note = _text(_("Decision and who took it"), required=True, max_length=1000)


class ReinspectForm(forms.Form):
    fixed = forms.TypedMultipleChoiceField(
        label=_("Put right (tick each one)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    members = forms.CharField(label=_("Team members"), max_length=200, required=False)
    note = _text(_("Notes"), max_length=2000)
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, hazards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fixed"].choices = [(h.pk, f"{h.number} {h.description}") for h in hazards]


class ChargingForm(forms.Form):
    compound = forms.TypedChoiceField(label=_("Compound"), coerce=int)
    kind = forms.ChoiceField(label=_("Piles or a shed"), choices=ChargingKind.choices)
    location = forms.CharField(
        label=_("Where exactly"), max_length=120,
        help_text=_("For example: 上海路9号 两个单元中间"),
    )  # fmt: skip
    ports = forms.IntegerField(label=_("Charging ports"), min_value=1, max_value=500)

    def __init__(self, *args, compounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.compounds = {c.pk: c for c in compounds}
        self.fields["compound"].choices = _choices(compounds)


class BuildForm(forms.Form):
    installed_on = DateField(label=_("Installed on"))
    installer = forms.CharField(label=_("Installed by"), max_length=80)
    ports = forms.IntegerField(label=_("Charging ports"), min_value=1, max_value=500)
    cost_sharing = forms.CharField(
        label=_("Cost sharing"), max_length=200, required=False,
        help_text=_("For example: 电缆费用由街道和物业各承担一半"),
    )  # fmt: skip
    electricity = forms.CharField(
        label=_("Electricity"), max_length=200, required=False,
        help_text=_("For example: 扫码付费，物业代收电费"),
    )  # fmt: skip

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        if site is not None:
            self.fields["ports"].initial = site.ports
