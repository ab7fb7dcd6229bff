from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from courses import admin_ui, views
from courses.models import CoursePage, CourseTopic, CreditTier, LessonPage, LibraryCategory
from courses.permissions import can_manage_study, can_watch_in_a_lesson
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


class CreditTierViewSet(ModelViewSet):
    """学时 by length, for lessons of courses without set hours and for offline study."""

    model = CreditTier
    icon = "time"
    form_fields = ["min_minutes", "hours"]
    list_display = ["min_minutes", "hours"]
    search_fields = None


class CategoriesGroup(ViewSetGroup):
    menu_label = _("Categories")
    menu_icon = "tag"
    menu_order = 320
    items = (
        CourseTopicViewSet("course_topics"),
        LibraryCategoryViewSet("library_categories"),
        CreditTierViewSet("credit_tiers"),
    )


@hooks.register("register_admin_viewset")
def register_categories() -> CategoriesGroup:
    return CategoriesGroup()


@hooks.register(PLAYBACK_HOOK)
def allow_playback_in_readable_lessons(user, video) -> bool:
    return can_watch_in_a_lesson(user, video.pk)


class StudyManagementItem(MenuItem):
    def is_shown(self, request) -> bool:
        return can_manage_study(request.user)


@hooks.register("register_admin_urls")
def register_study_management_urls():
    return [
        path("study/assignments/", include((admin_ui.assignment_urls, "course_assignments"))),
        path("study/applications/", include((admin_ui.application_urls, "course_applications"))),
        path("study/offline/", include((admin_ui.offline_urls, "offline_study"))),
    ]


@hooks.register("register_admin_menu_item")
def register_study_management_menu():
    items = [
        StudyManagementItem(
            _("Course assignments"), reverse("course_assignments:index"), icon_name="group", order=10
        ),
        StudyManagementItem(
            _("Applications to study"), reverse("course_applications:index"), icon_name="tasks", order=20
        ),
        StudyManagementItem(_("Offline study"), reverse("offline_study:index"), icon_name="date", order=30),
    ]
    return StudyManagementMenu(
        _("Study management"), Menu(items=items), icon_name="calendar-check", order=250
    )


class StudyManagementMenu(SubmenuMenuItem):
    def is_shown(self, request) -> bool:
        return can_manage_study(request.user)


@hooks.register("before_serve_document")
def serve_documents_as_their_pages_allow(document, request):
    return views.document_download(request, document)


@hooks.register("before_bulk_action")
def refuse_publishing_courses_without_lessons(request, action_type, objects, action):
    """The bulk publish action skips the page form; a course still needs a lesson to go live."""
    if action_type != "publish":
        return None
    form = getattr(action, "cleaned_form", None)
    with_subpages = bool(form is not None and form.cleaned_data.get("include_descendants"))
    empty = [page.title for page in objects if course_would_be_empty(page, with_subpages=with_subpages)]
    if not empty:
        return None
    messages.error(
        request,
        _("A course can be published only once at least one of its lessons is published: %(titles)s")
        % {"titles": "、".join(empty)},
    )
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("wagtailadmin_explore_root")
    return redirect(back)


def course_would_be_empty(page, *, with_subpages: bool) -> bool:
    if not isinstance(page.specific, CoursePage):
        return False
    lessons = LessonPage.objects.child_of(page)
    return not (lessons if with_subpages else lessons.live()).exists()
