"""Who may upload, change and delete videos: one policy object answers, as for Wagtail images.

Ownership as in Wagtail's ``OwnershipPermissionPolicy``: ``add_video`` (讲师) uploads and
manages one's own videos; ``change_video`` (编辑, 系统管理员) changes anyone's. Unlike
Wagtail's policy, deleting someone else's video needs ``delete_video`` as well, and there
is no "view" of its own: a video is seen by those who may change or delete it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.permission_policies import OwnershipPermissionPolicy
from wagtail.permissions import register_permission_policy

from media_pipeline.models import Video
from school.permissions import is_system_admin

MANAGE_ACTIONS = ("change", "delete")
PLAYBACK_HOOK = "allow_video_playback"


class VideoPermissionPolicy(OwnershipPermissionPolicy):
    def _may(self, user: Any, action: str) -> bool:
        return user.is_active and user.has_perm(self._get_permission_name(action))

    def _owns(self, user: Any, instance: Video) -> bool:
        return instance.uploaded_by_id is not None and instance.uploaded_by_id == user.pk

    def user_has_permission(self, user: Any, action: str) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        if action == "view":
            return self.user_has_any_permission(user, ["add", *MANAGE_ACTIONS])
        return super().user_has_permission(user, action)

    def user_has_any_permission_for_instance(
        self, user: Any, actions: Iterable[str], instance: Video
    ) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        actions = set(actions)
        if "view" in actions:
            actions |= set(MANAGE_ACTIONS)
        if "change" in actions and self._may(user, "change"):
            return True
        if "delete" in actions and self._may(user, "delete"):
            return True
        if actions & set(MANAGE_ACTIONS) and self._may(user, "add") and self._owns(user, instance):
            return True
        return user.is_superuser and bool(actions)

    def instances_user_has_any_permission_for(self, user: Any, actions: Iterable[str]) -> QuerySet[Video]:
        if not user.is_authenticated or not user.is_active:
            return Video.objects.none()
        actions = set(actions)
        if user.is_superuser or (actions & {"view", *MANAGE_ACTIONS} and self._may(user, "change")):
            return Video.objects.all()
        if "delete" in actions and self._may(user, "delete"):
            return Video.objects.all()
        if actions & {"view", *MANAGE_ACTIONS} and self._may(user, "add"):
            return Video.objects.filter(uploaded_by=user)
        return Video.objects.none()


video_permission_policy = VideoPermissionPolicy(Video, owner_field_name="uploaded_by")
register_permission_policy(Video, video_permission_policy)


def require_video_permission(acting_user: Any, action: str, video: Video) -> None:
    """PermissionDenied unless ``acting_user`` may ``action`` this video; None acts as the system."""
    if acting_user is None:
        return
    if not video_permission_policy.user_has_permission_for_instance(acting_user, action, video):
        raise PermissionDenied(_("You may not change this video."))


def videos_visible_to(user: Any) -> QuerySet[Video]:
    """The videos a user sees in the admin: the ones they may change or delete."""
    return video_permission_policy.instances_user_has_any_permission_for(user, ["view"])


def can_see_failure_detail(user: Any) -> bool:
    """ffmpeg's own words (stderr, paths) are for system administrators, not for the uploader."""
    return is_system_admin(user)


def can_watch(user: Any, video: Video) -> bool:
    """Whether ``user`` may play ``video`` once it is ready: those who manage it, and members a
    ``allow_video_playback`` hook lets in (courses: a live lesson they may read shows the video).

    Hooks keep this app free of the pages that show videos; each takes ``(user, video)``.
    """
    if not (user.is_authenticated and user.is_active and video.status == Video.Status.READY):
        return False
    if video_permission_policy.user_has_permission_for_instance(user, "view", video):
        return True
    return any(grant(user, video) for grant in hooks.get_hooks(PLAYBACK_HOOK))
