"""Admin screens: the shared and unit boards, and the sensitive-word list (system administrators).

Course and lesson boards are made on first use from their pages and are not edited here.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from community.models import Board, SensitiveWord


class BoardViewSet(ModelViewSet):
    model = Board
    icon = "group"
    form_fields = ["title", "description", "org_unit", "position", "is_active"]
    list_display = ["title", "org_unit", "position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["title"]
    search_backend_name = None

    def get_queryset(self, request):
        return Board.objects.filter(kind=Board.Kind.GENERAL).select_related("org_unit")


class SensitiveWordViewSet(ModelViewSet):
    model = SensitiveWord
    icon = "warning"
    form_fields = ["word", "action"]
    list_display = ["word", "action", "created_at"]
    list_filter = ["action"]
    search_fields = ["word"]
    search_backend_name = None


class CommunityGroup(ViewSetGroup):
    menu_label = _("Community")
    menu_icon = "group"
    menu_order = 340
    items = (BoardViewSet("community_boards"), SensitiveWordViewSet("sensitive_words"))


@hooks.register("register_admin_viewset")
def register_community() -> CommunityGroup:
    return CommunityGroup()
