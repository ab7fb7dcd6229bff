from django.urls import path

from school import views

app_name = "courses"

urlpatterns = [
    path("", views.section, {"section": "courses"}, name="index"),
]
