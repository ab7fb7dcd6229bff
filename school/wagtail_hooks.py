from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from courses.permissions import can_manage_study

# Each module registers its own admin hooks; importing them here is what wires them in.
from school.admin_ui import imports, members  # noqa: F401
from school.models import PointRule
from school.reports import views as report_views


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


class ReportsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return can_manage_study(request.user)


@hooks.register("register_admin_urls")
def register_report_urls():
    return [path("reports/", include((report_views.urls, "school_reports")))]


@hooks.register("register_admin_menu_item")
def register_reports_menu_item():
    return ReportsMenuItem(
        gettext_lazy("Study statistics"), reverse("school_reports:dashboard"), icon_name="table", order=260
    )
