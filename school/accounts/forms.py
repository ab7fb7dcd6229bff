from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from school.services.accounts import PASSWORD_UNCHANGED_MESSAGE, password_change


class LoginForm(auth_forms.AuthenticationForm):
    """One box for the username or the mobile number; one message for every failure."""

    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                "autocapitalize": "none",
                "autocorrect": "off",
                "spellcheck": "false",
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        # Never say which half was wrong, nor whether the account exists or is deactivated.
        "invalid_login": _("Incorrect username, mobile number or password."),
    }


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, new twice, validators) whose save goes through the service."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = _("Current password")

    def clean(self):
        cleaned = super().clean()
        new_password = cleaned.get("new_password2")
        if new_password and "new_password2" not in self.errors and self.user.check_password(new_password):
            self.add_error(
                "new_password2", ValidationError(PASSWORD_UNCHANGED_MESSAGE, code="password_unchanged")
            )
        return cleaned

    def save(self, commit: bool = True, *, request=None):
        return password_change(
            user=self.user, new_password=self.cleaned_data["new_password1"], request=request
        )
