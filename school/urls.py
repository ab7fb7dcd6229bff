from django.conf import settings
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from courses import views as courses_views
from exams.views import certificates as exam_certificates
from school import health, metrics, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("school.accounts.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("my/", views.my_learning, name="my_learning"),
    path("my/record/", courses_views.learning_record, name="learning_record"),
    path("my/points/", views.my_points, name="my_points"),
    path("study/", include("courses.urls")),
    path("exams/", include("exams.urls")),
    path("verify/<str:verification_id>", exam_certificates.verify, name="certificate_verify"),
    path("community/", include("community.urls")),
    path("search/", include("search.urls")),
    path("media-play/", include("media_pipeline.urls")),
]

if settings.MEDIA_STORAGE == "local":
    # Only the public part of local media (Wagtail image files). Videos, sources and captions go
    # through signed /media-play/ URLs, documents through Wagtail's document view.
    urlpatterns += [
        re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", views.public_media, name="public_media")
    ]

urlpatterns += [path("", include(wagtail_urls))]
