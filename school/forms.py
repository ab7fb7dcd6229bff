"""Admin forms for members and org units.

Forms check what a person typed and offer only the choices the user may make
(org units from their own subtree, roles for system administrators only). The
services check scope and tree rules again, whatever was posted.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.widgets import AdminDateInput

from school import permissions
from school.accounts.backends import normalise_phone
from school.imports.cells import PARTY_FOUNDED, PARTY_MEMBER_STATUSES
from school.models import Member, OrgUnit, phone_validator
from school.roles import Role

User = get_user_model()

BLANK_CHOICE = [("", "---------")]

contact_phone_validator = RegexValidator(
    r"^[\d\s()+\-转]{5,30}$",
    gettext_lazy("Enter a phone number with digits, spaces, dashes or brackets, e.g. 010-12345678."),
)


class OrgUnitChoiceField(forms.ModelChoiceField):
    """Units shown as an indented tree, starting from the top of what the user may see."""

    def __init__(self, *args: Any, base_depth: int = 1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_depth = base_depth

    def label_from_instance(self, obj: OrgUnit) -> str:
        return "\u3000" * max(obj.depth - self.base_depth, 0) + obj.name


class OrganizerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}（{obj.username}）"


def org_unit_choices(user: Any) -> QuerySet[OrgUnit]:
    return permissions.org_units_visible_to(user).order_by("path")


def base_depth(user: Any) -> int:
    """The depth of the topmost unit the user sees, where the indentation starts."""
    if permissions.is_system_admin(user):
        return 1
    return min((root.depth for root in permissions.managed_roots(user)), default=1)


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in Role]


class MemberForm(forms.Form):
    """The profile fields shared by the create and edit forms."""

    real_name = forms.CharField(label=gettext_lazy("Real name"), max_length=50)
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("The member can log in with this number."),
    )
    gender = forms.ChoiceField(
        label=gettext_lazy("Gender"), choices=BLANK_CHOICE + Member.Gender.choices, required=False
    )
    org_unit = OrgUnitChoiceField(label=gettext_lazy("Organisation unit"), queryset=OrgUnit.objects.none())
    political_status = forms.ChoiceField(
        label=gettext_lazy("Political status"),
        choices=Member.PoliticalStatus.choices,
        initial=Member.PoliticalStatus.MASSES,
    )
    joined_party_on = forms.DateField(
        label=gettext_lazy("Date joined the party"),
        required=False,
        widget=AdminDateInput,
        help_text=gettext_lazy("For full and probationary party members; leave empty if unknown."),
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles"),
        choices=role_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, user: Any, member: Member | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.member = member
        self.fields["org_unit"].queryset = org_unit_choices(user)
        self.fields["org_unit"].base_depth = base_depth(user)
        if not permissions.can_assign_roles(user):
            del self.fields["roles"]

    @property
    def own_user_id(self) -> int | None:
        return self.member.user_id if self.member is not None else None

    def clean_real_name(self) -> str:
        return " ".join(self.cleaned_data["real_name"].split())

    def clean_phone(self) -> str | None:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return None
        phone = normalise_phone(raw)
        if phone is None:
            raise ValidationError(phone_validator.message, code="invalid")
        if phone_taken(phone, exclude_user_id=self.own_user_id):
            raise ValidationError(
                _("This mobile number is already registered to another account."), code="taken"
            )
        return phone

    def clean_joined_party_on(self) -> Any:
        value = self.cleaned_data["joined_party_on"]
        if value and value > timezone.localdate():
            raise ValidationError(_("The date joined the party cannot be in the future."), code="future")
        if value and value < PARTY_FOUNDED:
            raise ValidationError(
                _("The date joined the party cannot be before 1 July 1921."), code="too_early"
            )
        return value

    def clean_roles(self) -> list[Role]:
        roles = [Role(value) for value in self.cleaned_data["roles"]]
        if not roles:
            raise ValidationError(_("Choose at least one role."), code="required")
        return roles

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        status = cleaned.get("political_status")
        if cleaned.get("joined_party_on") and status and status not in PARTY_MEMBER_STATUSES:
            self.add_error(
                "joined_party_on",
                _("Only full and probationary party members have a date of joining the party."),
            )
        return cleaned

    def profile(self) -> dict[str, Any]:
        """The cleaned values, as the member services take them."""
        names = ["real_name", "phone", "gender", "org_unit", "political_status", "joined_party_on"]
        values = {name: self.cleaned_data[name] for name in names}
        values["roles"] = self.cleaned_data.get("roles")
        return values


class MemberCreateForm(MemberForm):
    username = forms.CharField(
        label=gettext_lazy("Login name"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("Optional. Without one, the member logs in with the mobile number."),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("The member must change it at first login."),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Initial password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["real_name", "phone", "username", "gender", "org_unit", "political_status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "roles" in self.fields:
            self.fields["roles"].initial = [Role.LEARNER.value]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if not username:
            return ""
        User.username_validator(username)
        if login_taken(username):
            raise ValidationError(_("This login name is already taken."), code="taken")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        phone, username = cleaned.get("phone"), cleaned.get("username")
        if not phone and not username and "phone" not in self.errors and "username" not in self.errors:
            self.add_error(
                "phone", _("Enter a mobile number or a login name, so that the member can log in.")
            )
        if username and re.fullmatch(r"1\d{10}", username) and username != phone:
            self.add_error(
                "username", _("A login name that looks like a mobile number must be the member's own.")
            )
        if username and username == phone:
            cleaned["username"] = ""
        self._clean_password(cleaned)
        return cleaned

    def _clean_password(self, cleaned: dict[str, Any]) -> None:
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
            return
        if password1:
            login = cleaned.get("username") or cleaned.get("phone") or ""
            candidate = User(username=login, first_name=cleaned.get("real_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)


class MemberEditForm(MemberForm):
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        help_text=gettext_lazy("A deactivated member cannot log in. Nothing is deleted."),
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update(member_initial(member))
        super().__init__(*args, member=member, **kwargs)
        if not permissions.can_set_member_active(self.user, member):
            del self.fields["is_active"]

    def profile(self) -> dict[str, Any]:
        values = super().profile()
        values["is_active"] = self.cleaned_data.get("is_active") if "is_active" in self.fields else None
        return values


def member_initial(member: Member) -> dict[str, Any]:
    role_names = {role.value for role in Role}
    return {
        "real_name": member.real_name,
        "phone": member.phone or "",
        "gender": member.gender,
        "org_unit": member.org_unit_id,
        "political_status": member.political_status,
        "joined_party_on": member.joined_party_on,
        "is_active": member.is_active,
        "roles": [group.name for group in member.user.groups.all() if group.name in role_names],
    }


def phone_taken(phone: str, *, exclude_user_id: int | None = None) -> bool:
    """A number is taken by another member's phone or by another account's login name."""
    members = Member.objects.filter(phone=phone)
    users = User.objects.filter(username__iexact=phone)
    if exclude_user_id is not None:
        members = members.exclude(user_id=exclude_user_id)
        users = users.exclude(pk=exclude_user_id)
    return members.exists() or users.exists()


def login_taken(username: str) -> bool:
    return (
        User.objects.filter(username__iexact=username).exists()
        or Member.objects.filter(phone=username).exists()
    )


class OrgUnitForm(forms.Form):
    """The unit's own fields; name, kind and code are read-only for organizers."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=OrgUnit.Kind.choices)
    code = forms.CharField(label=gettext_lazy("Organisation code"), max_length=50, required=False)
    secretary = forms.CharField(label=gettext_lazy("Secretary"), max_length=50, required=False)
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        max_length=30,
        required=False,
        validators=[contact_phone_validator],
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    managers = OrganizerChoiceField(
        label=gettext_lazy("Branch organizers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("They manage this unit and everything below it."),
    )

    def __init__(self, *args: Any, user: Any, unit: OrgUnit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.unit = unit
        if permissions.can_edit_org_structure(user, unit):
            self.fields["managers"].queryset = organizer_choices()
        else:
            del self.fields["managers"]
            for name in ("name", "kind", "code"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Only a system administrator can change this.")

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    @property
    def structure_editable(self) -> bool:
        return "managers" in self.fields

    def details(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[name]
            for name in ("secretary", "contact_name", "contact_phone", "address")
        }

    def structure(self) -> dict[str, str] | None:
        if not self.structure_editable:
            return None
        return {name: self.cleaned_data[name] for name in ("name", "kind", "code")}

    def chosen_managers(self) -> list[Any] | None:
        return list(self.cleaned_data["managers"]) if self.structure_editable else None


class OrgUnitCreateForm(OrgUnitForm):
    parent = OrgUnitChoiceField(
        label=gettext_lazy("Parent unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=gettext_lazy("(none: a new top-level unit)"),
    )

    field_order = ["parent", "name", "kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = org_unit_choices(self.user)
        self.fields["parent"].base_depth = base_depth(self.user)


class OrgUnitEditForm(OrgUnitForm):
    def __init__(self, *args: Any, unit: OrgUnit, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update(org_unit_initial(unit))
        super().__init__(*args, unit=unit, **kwargs)


def org_unit_initial(unit: OrgUnit) -> dict[str, Any]:
    fields = ("name", "kind", "code", "secretary", "contact_name", "contact_phone", "address")
    initial: dict[str, Any] = {name: getattr(unit, name) for name in fields}
    initial["managers"] = list(unit.managers.values_list("pk", flat=True))
    return initial


def organizer_choices() -> QuerySet:
    return (
        User.objects.filter(groups__name=Role.BRANCH_ORGANIZER.value, is_active=True)
        .select_related("member")
        .order_by("member__real_name", "username")
    )


class OrgUnitMoveForm(forms.Form):
    parent = OrgUnitChoiceField(
        label=gettext_lazy("New parent unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=gettext_lazy("(none: make it a top-level unit)"),
    )

    def __init__(self, *args: Any, user: Any, unit: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = unit.get_parent()
        self.fields["parent"].initial = parent.pk if parent is not None else None
        self.fields["parent"].queryset = org_unit_choices(user).exclude(path__startswith=unit.path)
        self.fields["parent"].base_depth = base_depth(user)
