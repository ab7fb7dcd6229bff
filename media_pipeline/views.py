"""Playback: the watch page, fresh signed URLs for its player, and the files behind those URLs."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from media_pipeline import storage_tree
from media_pipeline.models import Video
from media_pipeline.permissions import can_watch
from media_pipeline.playback import (
    TEXT_EXTENSIONS,
    InvalidToken,
    RefusedName,
    media_storage_name,
    playback_sources,
    playback_token_read,
    player_context,
)

# A presigned storage URL only has to last until the browser follows the redirect.
STORAGE_URL_SECONDS = 300
# Published files never change (a re-run publishes under a new prefix); the token bounds it anyway.
MAX_CACHE_SECONDS = 24 * 3600
# How long a deactivated account's tokens may go on working for players that send no session cookie.
ACTIVE_CHECK_SECONDS = 60


@never_cache
@login_required
def watch(request: HttpRequest, video_id: int) -> HttpResponse:
    video = get_object_or_404(Video, pk=video_id)
    if not can_watch(request.user, video):
        raise PermissionDenied
    context = {"title": video.title, "player": player_context(video=video, user=request.user)}
    return render(request, "media_pipeline/watch.html", context)


@never_cache
@require_safe
def sources(request: HttpRequest, video_id: int) -> JsonResponse:
    """New signed URLs for a player whose token ran out (a long pause, a long lesson)."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None or not can_watch(request.user, video):
        return JsonResponse({"error": "forbidden"}, status=403)
    return JsonResponse(playback_sources(video=video, user=request.user))


@require_safe
def media_file(request: HttpRequest, token: str, video_id: int, name: str) -> HttpResponse:
    """One published file of the video the token names; 403 for anything else, no listings."""
    try:
        grant = playback_token_read(token)
    except InvalidToken:
        return _refused()
    if grant.video_id != video_id:
        return _refused()
    if request.user.is_authenticated:
        if request.user.pk != grant.user_id:
            return _refused()
    elif not _account_is_active(grant.user_id):
        return _refused()  # no session: a player without cookies, or an account deactivated since
    video = Video.objects.ready().filter(pk=video_id).only("pk", "status", "output_prefix").first()
    if video is None:
        return _refused()
    try:
        storage_name, content_type = media_storage_name(video=video, name=name)
    except RefusedName:
        return _refused()
    response = _stored_file(storage_name, content_type)
    if response.status_code == 200:
        patch_cache_control(response, private=True, max_age=min(grant.seconds_left(), MAX_CACHE_SECONDS))
    return response


def _account_is_active(user_id: int) -> bool:
    """Cached for a minute: players without cookies ask for a segment every few seconds."""
    key = f"media-play:active:{user_id}"
    active = cache.get(key)
    if active is None:
        active = get_user_model().objects.filter(pk=user_id, is_active=True).exists()
        cache.set(key, active, ACTIVE_CHECK_SECONDS)
    return active


def _stored_file(name: str, content_type: str) -> HttpResponse:
    local = storage_tree.local_path_or_none(name)
    if local is not None:
        if not local.is_file():
            return _not_found()
        return FileResponse(local.open("rb"), content_type=content_type)
    if name.endswith(TEXT_EXTENSIONS):
        # Proxied, not redirected: hls.js resolves a playlist's relative URIs against the URL it
        # finally came from, which would be the bucket without a signature; and a <track> may not
        # come from another origin.
        try:
            with default_storage.open(name, "rb") as handle:
                return HttpResponse(handle.read(), content_type=content_type)
        except FileNotFoundError:
            return _not_found()
    url = default_storage.url(
        name, parameters={"ResponseContentType": content_type}, expire=STORAGE_URL_SECONDS
    )
    response = HttpResponseRedirect(url)
    add_never_cache_headers(response)
    return response


def _refused() -> HttpResponse:
    response = HttpResponseForbidden(b"Forbidden", content_type="text/plain")
    add_never_cache_headers(response)
    return response


def _not_found() -> HttpResponse:
    response = HttpResponseNotFound(b"Not found", content_type="text/plain")
    add_never_cache_headers(response)
    return response
