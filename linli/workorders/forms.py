"""Forms of the work-order pages.

They check the shape of what was typed (a number is a number, a choice is one
of the choices offered). The rules themselves live in ``services`` — which
validate again and raise ``InvalidInput`` naming the field; the views put that
message next to the field and keep everything else the user typed.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core import forms as core_forms
from linli.core.attachments import max_count
from linli.core.forms import DateField, MonthField, OnceForm

from .models import Channel, ProxyConsent
from .workflow import Satisfaction, Status

TEXTAREA = {"rows": 3}


class PhotosField(core_forms.PhotosField):
    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("Up to %(count)d photos (JPEG, PNG, WebP or HEIC).") % {"count": max_count()},
        )
        super().__init__(**kwargs)


def _note(label=None, required=False, max_length=1000):
    return forms.CharField(
        label=label or _("Note"),
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


# --- intake ----------------------------------------------------------------------------------

STAFF_CHANNEL_CHOICES = [
    (Channel.DESK, _("At the service desk (民生小站 / 党群会客厅)")),
    (Channel.PROXY, _("On behalf of a resident (帮办代办)")),
    (Channel.HOTLINE, _("Phone hotline")),
    (Channel.WECHAT_GROUP, _("Pasted from a WeChat group")),
]

WHERE_HOME = "home"
WHERE_COMPOUND = "compound"
WHERE_OTHER = "other"


class StaffIntakeForm(OnceForm):
    """Desk, 帮办代办, hotline and WeChat-group intake by staff.

    The reporter is a registered resident (``reporter_resident``, picked by
    search) or a name and phone. The place is the resident's home, a compound
    (its public area, with an optional detail such as "3号楼楼顶"), or a grid with
    a free-text description. 帮办代办 acts for a registered resident only, and records
    how they agreed and who was present.
    """

    channel = forms.ChoiceField(
        label=_("How did the request come in?"), choices=STAFF_CHANNEL_CHOICES
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    description = forms.CharField(
        label=_("What is the problem?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a WeChat message, paste it here as it was written."),
    )
    reporter_resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=60, required=False)
    reporter_phone = forms.CharField(
        label=_("Reporter's phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    where = forms.ChoiceField(
        label=_("Where is the problem?"),
        choices=[
            (WHERE_HOME, _("In the resident's home")),
            (WHERE_COMPOUND, _("In a compound's public area")),
            (WHERE_OTHER, _("Somewhere else in a grid")),
        ],
        widget=forms.RadioSelect,
        initial=WHERE_COMPOUND,
    )
    compound = forms.TypedChoiceField(label=_("Compound"), coerce=int, required=False)
    grid = forms.TypedChoiceField(label=_("Grid"), coerce=int, required=False)
    location_text = forms.CharField(
        label=_("Exact place"),
        max_length=200,
        required=False,
        help_text=_("For example: 3号楼楼顶, 2号楼门口, 新港路 150 弄口."),
    )
    urgent = forms.BooleanField(label=_("Urgent (clock hours)"), required=False)
    photos = PhotosField()
    proxy_consent = forms.ChoiceField(
        label=_("How did the resident agree that you file it for them?"),
        choices=ProxyConsent.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    proxy_present = forms.CharField(
        label=_("Who was present?"),
        max_length=200,
        required=False,
        help_text=_("For example: the resident and their daughter; a neighbour."),
    )

    def __init__(self, *args, categories=(), compounds=(), grids=(), channel="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(c.pk, c.name) for c in categories]
        self.fields["compound"].choices = [("", "—")] + [(c.pk, c.name) for c in compounds]
        self.fields["grid"].choices = [("", "—")] + [(g.pk, g.name) for g in grids]
        if (self.data.get("channel") if self.is_bound else channel) != Channel.WECHAT_GROUP:
            self.fields["description"].help_text = ""

    def clean(self):
        data = super().clean()
        if data.get("channel") == Channel.PROXY:
            if not data.get("reporter_resident"):
                self.add_error(None, _("Choose the resident this request is made for (帮办代办)."))
            if not data.get("proxy_consent"):
                self.add_error(
                    "proxy_consent", _("Record how the resident agreed that you act for them.")
                )
        where = data.get("where")
        if where == WHERE_HOME and not data.get("reporter_resident"):
            self.add_error("where", _("Pick the resident first: their home is the place."))
        if where == WHERE_COMPOUND and not data.get("compound"):
            self.add_error("compound", _("Choose the compound."))
        if where == WHERE_OTHER:
            if not data.get("grid"):
                self.add_error("grid", _("Choose the grid where the problem is."))
            if not data.get("location_text"):
                self.add_error("location_text", _("Describe where the problem is."))
        return data


class ResidentIntakeForm(OnceForm):
    """A resident's own request: what, where (home / a compound / elsewhere), photos."""

    category = forms.TypedChoiceField(
        label=_("What kind of problem?"), coerce=int, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("Tell us what happened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    where = forms.ChoiceField(
        label=_("Where?"),
        choices=[
            (WHERE_HOME, _("In my home")),
            (WHERE_COMPOUND, _("In a compound's public area")),
            (WHERE_OTHER, _("Somewhere else")),
        ],
        widget=forms.RadioSelect,
        initial=WHERE_HOME,
    )
    compound = forms.TypedChoiceField(label=_("Which compound?"), coerce=int, required=False)
    location_text = forms.CharField(
        label=_("Exact place"),
        max_length=200,
        required=False,
        help_text=_("For example: 1号楼3楼外墙, 小区门口."),
    )
    photos = PhotosField(label=_("Photos (you may add up to 9)"))

    def __init__(self, *args, categories=(), compounds=(), has_home=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.pk, c.name) for c in categories]
        self.fields["compound"].choices = [("", "—")] + [(c.pk, c.name) for c in compounds]
        if not has_home:
            self.fields["where"].choices = self.fields["where"].choices[1:]
            self.fields["where"].initial = WHERE_COMPOUND

    def clean(self):
        data = super().clean()
        if data.get("where") == WHERE_COMPOUND and not data.get("compound"):
            self.add_error("compound", _("Choose the compound."))
        if data.get("where") == WHERE_OTHER and not data.get("location_text"):
            self.add_error("location_text", _("Describe where the problem is."))
        return data


# --- actions (one small form per workflow action) --------------------------------------------


class NoteForm(forms.Form):
    note = _note()


class NotePhotosForm(forms.Form):
    note = _note()
    photos = PhotosField()


class VerifyForm(NotePhotosForm):
    note = _note(_("What you found on site"))


class ReportBackForm(forms.Form):
    note = _note(_("What was done"), required=True)
    photos = PhotosField(label=_("Photos of the finished work"))


class UpdateForm(forms.Form):
    note = _note(_("Progress"), required=True)
    photos = PhotosField()


class ReasonForm(forms.Form):
    reason = _note(_("Reason"), required=True)


class OptionalReasonForm(forms.Form):
    reason = _note(_("Reason"))


class MergeForm(forms.Form):
    into = forms.TypedChoiceField(label=_("Merge into"), coerce=int, widget=forms.RadioSelect)
    note = _note()

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [
            (o.pk, f"{o.number} · {o.category.name} · {o.description[:40]} ({score:.0%})")
            for o, score in candidates
        ]


class UnitChoiceField(forms.TypedChoiceField):
    """A unit of those offered, answered as the Unit row; choices grouped by kind."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, **kwargs)
        self.units: dict = {}

    def offer(self, groups: list[tuple[str, list]], blank: str | None = None) -> None:
        self.units = {u.pk: u for _label, units in groups for u in units}
        grouped = [(str(label), [(u.pk, u.name) for u in units]) for label, units in groups]
        self.choices = ([("", blank)] if blank is not None else []) + grouped

    def clean(self, value):
        pk = super().clean(value)
        return self.units.get(pk) if pk not in (None, "") else None


class UnitsChoiceField(forms.TypedMultipleChoiceField):
    """Several of the units offered, answered as Unit rows; choices grouped by kind."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(coerce=int, **kwargs)
        self.units: dict = {}

    def offer(self, groups: list[tuple[str, list]]) -> None:
        self.units = {u.pk: u for _label, units in groups for u in units}
        self.choices = [(str(label), [(u.pk, u.name) for u in units]) for label, units in groups]

    def clean(self, value):
        return [self.units[pk] for pk in super().clean(value)]


IN_HOUSE_CHOICES = [
    ("false", _("Dispatch to a unit")),
    ("true", _("The neighbourhood handles it itself (no outside unit)")),
]


class DispatchForm(forms.Form):
    """Who handles it: a lead unit (plus co-handlers), or the neighbourhood itself.

    One choice between the two, so a unit picked while "the neighbourhood itself" is
    chosen is simply not used (the page hides the unit lists then)."""

    in_house = forms.TypedChoiceField(
        label=_("Who handles it?"),
        choices=IN_HOUSE_CHOICES,
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
        required=False,
        empty_value=False,
    )
    lead_unit = UnitChoiceField(label=_("Lead unit"), required=False)
    co_units = UnitsChoiceField(label=_("Co-handlers (optional)"), required=False)
    note = _note()

    def __init__(self, *args, units=(), suggestion=None, **kwargs):
        if suggestion is not None:
            kwargs.setdefault("initial", {})
            kwargs["initial"].update(
                in_house="true" if suggestion.in_house else "false",
                lead_unit=suggestion.unit.pk if suggestion.unit else None,
            )
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].offer(units, blank="—")
        self.fields["co_units"].offer(units)

    def clean(self):
        data = super().clean()
        if data.get("in_house"):
            data["lead_unit"], data["co_units"] = None, []
        elif not data.get("lead_unit") and "lead_unit" not in self.errors:
            self.add_error("lead_unit", _("Choose the lead unit."))
        return data


CHECK_PASS = "pass"
CHECK_REWORK = "rework"


class CheckForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[(CHECK_PASS, _("Passed")), (CHECK_REWORK, _("Rework (返工)"))],
        widget=forms.RadioSelect,
    )
    note = _note(_("Note (required for rework)"))
    photos = PhotosField()


class FollowUpForm(forms.Form):
    """回访, recorded by staff after a call, or given by the resident (``resident=True``:
    the questions are put to them)."""

    satisfaction = forms.ChoiceField(
        label=_("How satisfied is the resident?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = _note(_("Comment (required if not satisfied)"), max_length=300)

    def __init__(self, *args, resident: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if resident:
            self.fields["satisfaction"].label = _("Are you satisfied?")
            self.fields["comment"].label = _("What is not right? (needed if not satisfied)")


class EscalateForm(forms.Form):
    reason = _note(_("Reason"), required=True)
    unit = UnitChoiceField(
        label=_("Department (only when escalating beyond the street)"), required=False
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].offer(units, blank="—")


class ExtendForm(forms.Form):
    amount = forms.IntegerField(label=_("Extend by"), min_value=1, max_value=60)
    reason = _note(_("Reason"), required=True)


# --- lists and metrics -----------------------------------------------------------------------


class ListFilterForm(forms.Form):
    node = forms.TypedChoiceField(label=_("Grid"), coerce=int, required=False)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("open", _("Open")), *Status.choices],
    )
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False)
    created_from = DateField(label=_("From"), required=False)
    created_to = DateField(label=_("To"), required=False)
    number = forms.CharField(label=_("Number"), max_length=24, required=False)

    def __init__(self, *args, nodes=(), categories=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", _("All"))] + [
            (n.pk, ("· " * max(n.depth - 2, 0)) + n.name) for n in nodes
        ]
        self.fields["category"].choices = [("", _("All"))] + [(c.pk, c.name) for c in categories]
        self.fields["unit"].choices = [("", _("All"))] + [(u.pk, u.name) for u in units]

    def clean(self):
        data = super().clean()
        a, b = data.get("created_from"), data.get("created_to")
        if a and b and b < a:
            self.add_error("created_to", _("The end date is before the start date."))
        return data


GROUP_CHOICES = [
    ("", _("Total")),
    ("neighbourhood", _("By neighbourhood")),
    ("grid", _("By grid")),
    ("unit", _("By lead unit")),
    ("category", _("By category")),
]


class MetricsForm(forms.Form):
    """Period (a month, or a date range), scope node, grouping, optional unit and category."""

    month = MonthField(label=_("Month"), required=False)
    start = DateField(label=_("From"), required=False)
    end = DateField(label=_("To (inclusive)"), required=False)
    node = forms.TypedChoiceField(
        label=pgettext_lazy("metrics scope", "Area"), coerce=int, required=False
    )
    group = forms.ChoiceField(label=_("Rows"), choices=GROUP_CHOICES, required=False)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False)
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False)

    def __init__(self, *args, nodes=(), categories=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", _("Everything I can see"))] + [
            (n.pk, ("· " * max(n.depth - 2, 0)) + n.name) for n in nodes
        ]
        self.fields["category"].choices = [("", _("All"))] + [(c.pk, c.name) for c in categories]
        self.fields["unit"].choices = [("", _("All"))] + [(u.pk, u.name) for u in units]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            self.add_error("end", _("Give both the start and the end date, or a month."))
        elif start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        elif start and end and (end - start).days > 366 * 3:
            self.add_error("end", _("Choose a period of at most three years."))
        return data
