"""Forms of the volunteering pages (the services check the rules again)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.forms import DateField, MonthField, OnceForm, PhotosField, QueuedForm

from .models import OrderResult, Skill, WishKind

TEXTAREA = {"rows": 3}


def _text(label, required=False, max_length=500):
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs=TEXTAREA)
    )


class OrderForm(OnceForm):
    """A volunteer order, as staff write it (from a request, or on its own)."""

    title = forms.CharField(
        label=_("What is to be done"),
        max_length=120,
        help_text=_("For example: 2号楼2单元1401 卧室门框开裂需要维修"),
    )
    description = _text(_("Details for the volunteers"), max_length=2000)
    skill = forms.ChoiceField(label=_("Skill needed"), choices=Skill.choices)
    capacity = forms.IntegerField(
        label=_("Volunteers needed"), min_value=1, max_value=50, initial=1
    )
    day = DateField(label=_("Day"))
    start_time = forms.TimeField(label=_("From (hh:mm)"), widget=forms.TimeInput(format="%H:%M"))
    end_time = forms.TimeField(label=_("Until (hh:mm)"), widget=forms.TimeInput(format="%H:%M"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    grid = forms.TypedChoiceField(label=_("Grid"), coerce=int, required=False)
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False)
    publish = forms.BooleanField(
        label=_("Publish now (the volunteers are told)"), required=False, initial=True
    )

    def __init__(self, *args, grids=(), teams=(), from_request=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.grids = {g.pk: g for g in grids}
        self.teams = {t.pk: t for t in teams}
        self.fields["grid"].choices = [("", "—")] + [(g.pk, g.name) for g in grids]
        self.fields["team"].choices = [("", _("Every volunteer with the skill"))] + [
            (t.pk, t.name) for t in teams
        ]
        if from_request:  # the request says where and for whom
            del self.fields["grid"]

    def clean(self):
        data = super().clean()
        if (
            data.get("start_time")
            and data.get("end_time")
            and data["end_time"] <= data["start_time"]
        ):
            self.add_error("end_time", _("The end must be after the start."))
        if "grid" in self.fields and not data.get("grid"):
            self.add_error("grid", _("Choose the grid where the job is."))
        return data

    def order_values(self) -> dict:
        """The valid form as ``services.order_create`` takes it: the day and hours as moments
        of the current time zone, the grid and team as the rows offered."""
        d = self.cleaned_data
        tz = timezone.get_current_timezone()
        return {
            "title": d["title"],
            "description": d["description"],
            "skill": d["skill"],
            "capacity": d["capacity"],
            "starts_at": dt.datetime.combine(d["day"], d["start_time"], tzinfo=tz),
            "ends_at": dt.datetime.combine(d["day"], d["end_time"], tzinfo=tz),
            "place": d["place"],
            "grid": self.grids.get(d.get("grid")),
            "team": self.teams.get(d.get("team")),
            "publish": d["publish"],
        }


class NoteForm(forms.Form):
    note = _text(_("Note"))


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), required=True)


class OptionalReasonForm(forms.Form):
    reason = _text(_("Reason (optional)"))


class ConfirmForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=OrderResult.choices, widget=forms.RadioSelect
    )
    rating = forms.TypedChoiceField(
        label=_("How was it? (stars)"),
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    note = _text(_("Anything to add"))


class CheckInForm(forms.Form):
    photos = PhotosField(label=_("A photo of the job before you start (optional)"))


class CheckOutForm(QueuedForm):
    """Finished: may be pressed in a basement with no signal and sent later by the phone
    (docs/offline.md); the job ends when the button was pressed, not when it was sent."""

    note = _text(_("What you did"))
    photos = PhotosField(label=_("A photo of the finished work (optional)"))


class ProfileForm(forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("What can you do?"), choices=Skill.choices, widget=forms.CheckboxSelectMultiple
    )
    availability = forms.CharField(
        label=_("When are you usually free?"),
        max_length=100,
        required=False,
        help_text=_("For example: 周末上午, 工作日晚上"),
    )


class WishForm(OnceForm):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("Kind of wish"), choices=WishKind.choices, widget=forms.RadioSelect
    )
    public_text = forms.CharField(
        label=_("The wish, as everyone will read it"),
        max_length=120,
        help_text=_("No name and no address: for example 一个新书包, 冬天的一床棉被."),
    )
    details = _text(_("Details only staff and the helper see"), max_length=1000)


class TakeWishForm(forms.Form):
    on_behalf_of = forms.CharField(
        label=_("Taking it up for (optional)"),
        max_length=60,
        required=False,
        help_text=_("A business or party branch, shown with the wish."),
    )


class FulfilForm(forms.Form):
    note = _text(_("What you did"))
    photos = PhotosField(label=_("A photo of the wish come true"), required=True)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=60)
    description = forms.CharField(label=_("About the team"), max_length=200, required=False)
    leader = forms.TypedChoiceField(label=_("Leader"), coerce=int, required=False)
    needs_approval = forms.BooleanField(
        label=_("The leader approves who joins"), required=False, initial=True
    )

    def __init__(self, *args, leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = [("", "—")] + [
            (u.pk, u.display_name or u.username) for u in leaders
        ]


class MonthForm(forms.Form):
    month = MonthField(label=_("Month"), required=False)
