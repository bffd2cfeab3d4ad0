"""Forms of the registry pages. They check the shape of what was typed; the rules live
in ``services`` (which validate again, so a form is never the only guard)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.errors import InvalidInput
from linli.core.forms import DateField

from . import services
from .models import Gender, Relation, ResidenceStatus, Tag, Tenure


class HouseholdForm(forms.Form):
    tenure = forms.ChoiceField(label=_("Tenure"), choices=Tenure.choices)
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResidentForm(forms.Form):
    """Add or change a member. ID number and phone are never pre-filled: on a change an
    empty box keeps the stored value."""

    name = forms.CharField(label=_("Name"), max_length=60)
    relation = forms.ChoiceField(label=_("Relation to head"), choices=Relation.choices)
    residence_status = forms.ChoiceField(
        label=_("Residence status"), choices=ResidenceStatus.choices
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", _("Not given (taken from the ID number)")), *Gender.choices],
        required=False,
    )
    birth_date = DateField(
        label=_("Birth date"),
        required=False,
        help_text=_("Taken from the ID number when one is given."),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            keep = _("Leave empty to keep the stored number.")
            self.fields["id_number"].help_text = keep
            self.fields["phone"].help_text = keep

    def _person_field(self, name: str) -> str:
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return ""
        try:
            return services.clean_person_fields(**{name: value})[name]
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_id_number(self) -> str:
        return self._person_field("id_number")

    def clean_phone(self) -> str:
        return self._person_field("phone")


class MoveOutForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example: moved to another district, deceased."),
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the full numbers?"),
        max_length=200,
        help_text=_("Recorded in the personal data access log."),
    )


class TagsForm(forms.Form):
    """One checkbox per staff-set tag (plus a level box for tags with levels)."""

    def __init__(self, *args, tags: list[Tag], current: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.tags = tags
        for tag in tags:
            self.fields[f"tag_{tag.pk}"] = forms.BooleanField(
                label=tag.name, required=False, initial=tag.pk in current
            )
            if tag.has_level:
                self.fields[f"level_{tag.pk}"] = forms.CharField(
                    label=_("Level"), max_length=20, required=False, initial=current.get(tag.pk, "")
                )

    def rows(self):
        """(tag, checkbox field, level field or None) for the template."""
        for tag in self.tags:
            level = self[f"level_{tag.pk}"] if tag.has_level else None
            yield tag, self[f"tag_{tag.pk}"], level

    def tag_levels(self) -> dict[int, str]:
        chosen = {}
        for tag in self.tags:
            if self.cleaned_data.get(f"tag_{tag.pk}"):
                chosen[tag.pk] = (self.cleaned_data.get(f"level_{tag.pk}") or "").strip()
        return chosen


_INDENT = "\u3000"  # an ideographic space per tree level below the street


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, last four phone digits, address or ID number"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    node = forms.TypedChoiceField(label=_("Grid"), required=False, coerce=int, empty_value=None)
    # Named ``tag`` (repeated), like the export views' query string, so links carry over.
    tag = forms.TypedMultipleChoiceField(
        label=_("Tags"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    tenure = forms.ChoiceField(
        label=_("Tenure"), required=False, choices=[("", _("Any")), *Tenure.choices]
    )

    def __init__(self, *args, nodes, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", _("All I may see"))] + [
            (n.pk, _INDENT * max(n.depth - 2, 0) + n.name) for n in nodes
        ]
        self.fields["tag"].choices = [(t.pk, t.name) for t in tags]
