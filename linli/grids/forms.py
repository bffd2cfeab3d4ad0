import re

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import User
from linli.core.api import MAX_ID
from linli.core.forms import DateField

from .models import Role
from .oversight import Filters, action_choices, target_types


class AssignmentForm(forms.Form):
    """Grant a role to an existing user, or create the user first when the name is new."""

    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Name shown to others"), max_length=60, required=False)
    password = forms.CharField(
        label=_("Initial password (only for a new user)"),
        widget=forms.PasswordInput,
        required=False,
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    node = forms.ModelChoiceField(label=_("Where"), queryset=None)
    unit = forms.ModelChoiceField(label=_("Unit (for unit staff)"), queryset=None, required=False)

    def __init__(self, *args, nodes, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["node"].label_from_instance = lambda n: f"{'　' * (n.depth - 1)}{n.name}"
        self.fields["unit"].queryset = units

    def existing_user(self):
        return User.objects.filter(username=self.cleaned_data["username"].strip()).first()


class OversightFilterForm(forms.Form):
    """Filters of the two oversight pages (see ``oversight.Filters``). ``kind``: "pii" for
    the personal-data access log (action = how it was shown), "audit" for the change
    history (action = what was done)."""

    person = forms.CharField(
        label=_("Person"),
        max_length=60,
        required=False,
        help_text=_("Part of a name or user name"),
    )
    actor = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    type = forms.ChoiceField(label=_("Record type"), required=False)
    record = forms.IntegerField(
        label=_("Record number"), required=False, min_value=1, max_value=MAX_ID
    )
    date_from = DateField(label=_("From"), required=False)
    date_to = DateField(label=_("To (inclusive)"), required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].label = _("How it was shown") if kind == "pii" else _("Action")
        self.fields["action"].choices = [("", _("All")), *action_choices(kind)]
        self.fields["type"].choices = [("", _("All")), *target_types()]

    def clean_person(self) -> str:
        value = self.cleaned_data["person"].strip()
        # Never an ID number or a phone number in a search box whose words go into the URL.
        if re.search(r"\d{7}", value):
            raise forms.ValidationError(_("Search people by name or user name, not by a number."))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> Filters:
        d = self.cleaned_data
        return Filters(
            person=d.get("person") or "",
            actor_id=d.get("actor"),
            action=d.get("action") or "",
            target_type=d.get("type") or "",
            target_id=d.get("record"),
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )
