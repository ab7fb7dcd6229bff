from django.urls import path

from school import views

app_name = "community"

urlpatterns = [
    path("", views.section, {"section": "community"}, name="index"),
]
