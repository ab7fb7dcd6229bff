from django.urls import path

from school import views

app_name = "search"

urlpatterns = [
    path("", views.section, {"section": "search"}, name="index"),
]
