from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import ApiKey, Organization, Role


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, min_length=10, help_text=_("At least 10 characters.")
    )
    organization_name = forms.CharField(label=_("Brand or creator name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("I am a"),
        choices=[(Organization.Kind.BRAND, _("Brand")), (Organization.Kind.CREATOR, _("Creator"))],
    )
    country = forms.CharField(label=_("Country (ISO code)"), max_length=2, required=False)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(label=_("Access"), choices=ApiKey.Scope.choices, initial=ApiKey.Scope.READ)
