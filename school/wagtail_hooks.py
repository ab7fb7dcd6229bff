from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

# Each module registers its own admin hooks; importing them here is what wires them in.
from school.admin_ui import imports, members  # noqa: F401
from school.models import PointRule


class PointRuleViewSet(ModelViewSet):
    """积分规则: system administrators tune points and daily limits; the actions themselves are fixed."""

    model = PointRule
    icon = "pick"
    menu_label = gettext_lazy("Points rules")
    add_to_settings_menu = True
    form_fields = ["points", "daily_cap", "is_active"]
    list_display = ["code", "points", "daily_cap", "is_active"]
    inspect_view_enabled = False


class PointRulePermissionPolicy(ModelPermissionPolicy):
    """The rules are made by the migration; nobody adds or deletes one through the admin."""

    def user_has_permission(self, user, action: str) -> bool:
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)


register_permission_policy(PointRule, PointRulePermissionPolicy(PointRule))


@hooks.register("register_admin_viewset")
def register_point_rules():
    return PointRuleViewSet("point_rules")
