from django.urls import path

from media_pipeline import views

app_name = "media_pipeline"

urlpatterns = [
    path("watch/<int:video_id>/", views.watch, name="watch"),
    path("sources/<int:video_id>/", views.sources, name="sources"),
    path("<str:token>/<int:video_id>/<path:name>", views.media_file, name="file"),
]
