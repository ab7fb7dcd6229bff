"""Content-Security-Policy: scripts and styles come from our own static files only, so markup that
slipped past the sanitizer still could not run script.

Every HTML page outside the Wagtail admin gets ``site_policy()`` from ``ContentSecurityPolicyMiddleware``.
It allows inline ``style`` attributes (bar widths of progress and statistics) but no inline ``<style>``
or ``<script>``. Pages that show what members write (the community) are decorated with ``strict_csp``,
which also refuses style attributes. The admin keeps Wagtail's own inline scripts and styles and so
gets no policy from here; it is reached by staff only.

Media may come from the object storage's origin (signed URLs for videos, posters and images): that
origin is allowed for images, media and the player's requests (``CSP_MEDIA_ORIGINS``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

EXEMPT_PREFIXES = ("/admin/",)


def media_origins() -> tuple[str, ...]:
    """Origins media URLs point at: ``CSP_MEDIA_ORIGINS``, else the S3 endpoint or the AWS bucket host."""
    configured = tuple(getattr(settings, "CSP_MEDIA_ORIGINS", ()) or ())
    if configured or getattr(settings, "MEDIA_STORAGE", "local") != "s3":
        return configured
    endpoint = getattr(settings, "AWS_S3_ENDPOINT_URL", None)
    if endpoint:
        parts = urlsplit(endpoint)
        return (f"{parts.scheme}://{parts.netloc}",)
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    region = getattr(settings, "AWS_S3_REGION_NAME", None)
    hosts = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        hosts.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return tuple(hosts)


@functools.lru_cache(maxsize=16)
def _policy(origins: tuple[str, ...], *, strict: bool) -> str:
    media = " ".join(origins)
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: blob: {media}".strip(),
        f"media-src 'self' blob: {media}".strip(),
        f"connect-src 'self' {media}".strip(),
        "worker-src 'self' blob:",  # hls.js starts its demuxer in a blob worker
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if not strict:
        directives.insert(3, "style-src-attr 'unsafe-inline'")
    return "; ".join(directives)


def site_policy() -> str:
    return _policy(media_origins(), strict=False)


def strict_policy() -> str:
    return _policy(media_origins(), strict=True)


def strict_csp(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.setdefault("Content-Security-Policy", strict_policy())
        return response

    return wrapped


class ContentSecurityPolicyMiddleware:
    """``site_policy()`` on every HTML response outside the admin that has no policy of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            "Content-Security-Policy" not in response
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            response["Content-Security-Policy"] = site_policy()
        return response
