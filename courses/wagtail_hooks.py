from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from courses.models import CourseTopic, LibraryCategory
from courses.permissions import can_watch_in_a_lesson
from media_pipeline.permissions import PLAYBACK_HOOK


class CategoryViewSet(ModelViewSet):
    form_fields = ["name", "sort_order"]
    list_display = ["name", "sort_order"]
    search_fields = ["name"]
    search_backend_name = None  # a substring match finds 党史 inside 党史学习


class CourseTopicViewSet(CategoryViewSet):
    model = CourseTopic
    icon = "tag"


class LibraryCategoryViewSet(CategoryViewSet):
    model = LibraryCategory
    icon = "folder-open-inverse"


class CategoriesGroup(ViewSetGroup):
    menu_label = _("Categories")
    menu_icon = "tag"
    menu_order = 320
    items = (CourseTopicViewSet("course_topics"), LibraryCategoryViewSet("library_categories"))


@hooks.register("register_admin_viewset")
def register_categories() -> CategoriesGroup:
    return CategoriesGroup()


@hooks.register(PLAYBACK_HOOK)
def allow_playback_in_readable_lessons(user, video) -> bool:
    return can_watch_in_a_lesson(user, video.pk)
