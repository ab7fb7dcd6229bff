"""Security headers on what members and visitors see; Wagtail's admin keeps its own inline code."""

from __future__ import annotations

import pytest

from school.csp import media_origins, site_policy, strict_policy
from school.tests.helpers import client_for


def directives(header: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.partition(" ")[2] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/my/", "/search/?q=党章"])
def test_every_member_page_refuses_inline_and_foreign_scripts_and_framing(member_a1, path):
    response = client_for(member_a1.user).get(path, follow=True)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_community_refuses_even_style_attributes(member_a1):
    response = client_for(member_a1.user).get("/community/")
    assert response["Content-Security-Policy"] == strict_policy()
    assert "style-src-attr" not in response["Content-Security-Policy"]


def test_the_wagtail_admin_and_json_answers_get_no_site_policy(system_admin_client):
    client = system_admin_client
    assert "Content-Security-Policy" not in client.get("/admin/")
    assert "Content-Security-Policy" not in client.get("/search/suggest/?q=dang")


def test_the_public_verification_page_is_covered_too(client, db):
    response = client.get("/verify/not-a-real-id")
    assert response.status_code == 404
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_media_from_the_bucket_is_allowed_for_images_video_and_the_player(settings):
    settings.MEDIA_STORAGE = "s3"
    settings.AWS_S3_ENDPOINT_URL = "https://minio.internal:9000"
    settings.CSP_MEDIA_ORIGINS = []
    policy = directives(site_policy())
    for name in ("img-src", "media-src", "connect-src"):
        assert "https://minio.internal:9000" in policy[name].split()
    assert "https://minio.internal:9000" not in policy["script-src"]


def test_aws_buckets_and_a_cdn_are_named_by_their_hosts(settings):
    settings.MEDIA_STORAGE = "s3"
    settings.AWS_S3_ENDPOINT_URL = None
    settings.AWS_STORAGE_BUCKET_NAME = "dangxiao-media"
    settings.AWS_S3_REGION_NAME = "cn-north-1"
    settings.CSP_MEDIA_ORIGINS = []
    assert media_origins() == (
        "https://dangxiao-media.s3.amazonaws.com",
        "https://dangxiao-media.s3.cn-north-1.amazonaws.com",
    )
    settings.CSP_MEDIA_ORIGINS = ["https://cdn.example.org"]
    assert media_origins() == ("https://cdn.example.org",)


def test_local_media_needs_no_other_origin(settings):
    settings.MEDIA_STORAGE = "local"
    settings.CSP_MEDIA_ORIGINS = []
    assert media_origins() == ()
    assert "img-src 'self' data: blob:;" in site_policy()
