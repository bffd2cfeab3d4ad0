"""Forms of the outreach pages and API (the services check the rules again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.api import MAX_ID
from linli.core.forms import DateField, OnceForm, PhotoPicker, QueuedForm

from .models import DrillKind, Item, Outcome

TEXTAREA = {"rows": 3}


def _text(label, required=False, max_length=500):
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs=TEXTAREA)
    )


class PhotosField(forms.FileField):
    widget = PhotoPicker

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [f for f in files if f]


class _Period(forms.Form):
    name = forms.CharField(
        label=_("Distribution name"),
        max_length=120,
        help_text=_("For example: 第二责任区灭火毯入户发放"),
    )
    starts_on = DateField(label=_("From"))
    ends_on = DateField(label=_("Until"))
    stock = forms.IntegerField(
        label=_("Quantity in stock (optional)"), min_value=1, max_value=1_000_000, required=False
    )
    note = _text(_("Note"), max_length=1000)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The end must not be before the start."))
        return data


class DistributionForm(OnceForm, _Period):
    """A new distribution: what, its name and period, the places it covers."""

    item = forms.ChoiceField(label=_("What is handed out"), choices=Item.choices)
    item_name = forms.CharField(
        label=_("The item, in words (for something else)"), max_length=60, required=False
    )
    nodes = forms.TypedMultipleChoiceField(
        label=_("Covers"), coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text=_("A neighbourhood covers all its grids."),
    )  # fmt: skip
    open_now = forms.BooleanField(label=_("Start handing out now"), required=False, initial=True)

    field_order = ["item", "item_name", "name", "nodes", "starts_on", "ends_on", "stock", "note",
                   "open_now"]  # fmt: skip

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.nodes = {n.pk: n for n in nodes}
        self.fields["nodes"].choices = [
            (n.pk, n.name if n.kind == "grid" else f"{n.name}（{_('all grids')}）") for n in nodes
        ]

    def chosen_nodes(self) -> list:
        return [self.nodes[pk] for pk in self.cleaned_data["nodes"] if pk in self.nodes]


class DistributionEditForm(_Period):
    pass


class VisitForm(QueuedForm):
    """One visit at a household's door (the phone's buttons, the household's own form and
    the API). Sent twice with the same token, it records one visit."""

    household = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    outcome = forms.ChoiceField(
        label=_("At the door"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    quantity = forms.IntegerField(
        label=_("How many"), min_value=1, max_value=20, initial=1, required=False
    )
    recipient = forms.TypedChoiceField(
        label=_("Handed to (optional)"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is None:  # the API: any resident id, checked by the service
            self.fields["recipient"] = forms.IntegerField(
                label=_("Handed to (resident id, optional)"),
                min_value=1,
                max_value=MAX_ID,
                required=False,
            )
        else:
            self.fields["recipient"].choices = [("", "—")] + [(m.pk, m.name) for m in members]


class NoteForm(forms.Form):
    note = _text(_("Note"))


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), required=True)


class DrillForm(OnceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DrillKind.choices)
    node = forms.TypedChoiceField(label=_("Held by"), coerce=int)
    date = DateField(label=_("Date"))
    place = forms.CharField(label=_("Place"), max_length=120)
    topic = forms.CharField(
        label=_("Topic"), max_length=200, help_text=_("For example: 正确使用灭火毯、楼道火灾逃生")
    )
    units = forms.TypedMultipleChoiceField(
        label=_("For enterprises (optional)"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args, nodes=(), units=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.nodes = {n.pk: n for n in nodes}
        self.units_by_pk = {u.pk: u for u in units}
        self.fields["node"].choices = [(n.pk, n.name) for n in nodes]
        self.fields["units"].choices = [(u.pk, u.name) for u in units]
        if editing:
            del self.fields["kind"]
            del self.fields["node"]

    def chosen_units(self) -> list:
        return [self.units_by_pk[pk] for pk in self.cleaned_data.get("units") or []
                if pk in self.units_by_pk]  # fmt: skip


class HoldForm(forms.Form):
    attendance = forms.IntegerField(label=_("How many took part"), min_value=1, max_value=100_000)
    attendees = forms.CharField(
        label=_("Residents who took part, by name (optional)"), max_length=2000, required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Separated by commas or 、; the others are counted in the number above."),
    )  # fmt: skip
    note = _text(_("What was done"), max_length=1000)
    photos = PhotosField(label=_("Photos (optional)"))


class RuleForm(forms.Form):
    grid_fire_drills = forms.IntegerField(
        label=_("Fire drills each grid holds a year"), min_value=0, max_value=12
    )
    enterprise_trainings = forms.IntegerField(
        label=_("Trainings each enterprise takes part in a year"), min_value=0, max_value=12
    )
