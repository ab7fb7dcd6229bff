"""The five roles as Django groups, and the permissions each one carries.

Group permissions say *what* a role may do; ``school.permissions`` says *where*
(the org subtree a 支部管理员 manages). ``roles_sync`` is idempotent and runs
after every ``migrate``.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    LEARNER = "学员"
    INSTRUCTOR = "讲师"
    EDITOR = "编辑"
    BRANCH_ORGANIZER = "支部管理员"
    SYSTEM_ADMIN = "系统管理员"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.LEARNER: _("Learner"),
    Role.INSTRUCTOR: _("Instructor"),
    Role.EDITOR: _("Editor"),
    Role.BRANCH_ORGANIZER: _("Branch organizer"),
    Role.SYSTEM_ADMIN: _("System administrator"),
}

_ADMIN_ACCESS = ["wagtailadmin.access_admin"]
_MEDIA = [
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
]
# With the video permission policy (media_pipeline.permissions), add_video alone means
# "upload, and change or delete one's own"; change_video and delete_video reach everyone's.
_OWN_VIDEOS = ["media_pipeline.add_video"]
_ALL_VIDEOS = _OWN_VIDEOS + ["media_pipeline.change_video", "media_pipeline.delete_video"]
_CATEGORIES = [
    f"courses.{action}_{model}"
    for model in ("coursetopic", "librarycategory")
    for action in ("view", "add", "change", "delete")
]
_BANK = [
    f"exams.{action}_{model}"
    for model in ("question", "questioncategory")
    for action in ("view", "add", "change")
]
_EXAMS = [f"exams.{action}_exam" for action in ("view", "add", "change")] + ["exams.grade_exam"]
_MEMBERS = [
    "school.view_member",
    "school.add_member",
    "school.change_member",
    "school.view_orgunit",
]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.LEARNER: [],
    Role.INSTRUCTOR: _ADMIN_ACCESS + _MEDIA + _OWN_VIDEOS + _BANK + _EXAMS,
    Role.EDITOR: _ADMIN_ACCESS + _MEDIA + _ALL_VIDEOS + _CATEGORIES,
    Role.BRANCH_ORGANIZER: _ADMIN_ACCESS
    + _MEMBERS
    + _EXAMS
    + ["exams.view_certificate", "exams.change_certificate"],
    Role.SYSTEM_ADMIN: _ADMIN_ACCESS
    + _MEDIA
    + _ALL_VIDEOS
    + _CATEGORIES
    + _MEMBERS
    + _BANK
    + _EXAMS
    + [
        "exams.delete_question",
        "exams.delete_questioncategory",
        "exams.delete_exam",
        "exams.view_certificate",
        "exams.change_certificate",
        "school.delete_member",
        "school.add_orgunit",
        "school.change_orgunit",
        "school.delete_orgunit",
        "school.view_auditlog",
        *[
            f"community.{a}_{m}"
            for m in ("board", "sensitiveword")
            for a in ("view", "add", "change", "delete")
        ],
        "school.view_pointrule",
        "school.change_pointrule",
        "courses.change_studysettings",
        "courses.view_credittier",
        "courses.add_credittier",
        "courses.change_credittier",
        "courses.delete_credittier",
        "wagtailimages.delete_image",
        "wagtaildocs.delete_document",
        "auth.add_user",
        "auth.change_user",
        "auth.delete_user",
        "school.add_user",
        "school.change_user",
        "school.delete_user",
        "school.view_user",
        "auth.view_group",
        "auth.change_group",
        "wagtailcore.view_site",
        "wagtailcore.change_site",
    ],
}

COLLECTION_APPS = ("wagtailimages", "wagtaildocs")

# Page-tree permissions granted at the root page (editors and admins publish anywhere).
ROLE_PAGE_PERMISSIONS: dict[Role, list[str]] = {
    Role.EDITOR: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    Role.SYSTEM_ADMIN: [
        "add_page",
        "change_page",
        "publish_page",
        "lock_page",
        "unlock_page",
        "bulk_delete_page",
    ],
}


def _permissions(names: list[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".", 1)
        perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if perm is not None:
            found.append(perm)
    return found


def roles_sync() -> dict[Role, Group]:
    """Create the role groups and (re)grant their permissions; safe to run any number of times."""
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    groups = {}
    root = Page.get_first_root_node()
    root_collection = Collection.get_first_root_node()
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        permissions = _permissions(ROLE_PERMISSIONS[role])
        group.permissions.add(*permissions)
        if root_collection is not None:
            # Wagtail checks image and document permissions per collection, not per model: without
            # these rows nobody but a superuser could open the image and document screens.
            for perm in permissions:
                if perm.content_type.app_label in COLLECTION_APPS:
                    GroupCollectionPermission.objects.get_or_create(
                        group=group, collection=root_collection, permission=perm
                    )
        if root is not None:
            for codename in ROLE_PAGE_PERMISSIONS.get(role, []):
                perm = Permission.objects.filter(
                    content_type__app_label="wagtailcore", codename=codename
                ).first()
                if perm is not None:
                    GroupPagePermission.objects.get_or_create(group=group, page=root, permission=perm)
        groups[role] = group
    return groups


def sync_after_migrate(sender, **kwargs) -> None:
    """Run once, after the last app's post_migrate, when every app's permissions exist."""
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if with_models and sender.label == with_models[-1].label:
        roles_sync()


def user_has_role(user, role: Role) -> bool:
    if not user.is_authenticated:
        return False
    return any(g.name == role.value for g in user.groups.all())
