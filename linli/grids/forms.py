from django import forms
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import User

from .models import Role


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
