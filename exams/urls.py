from django.urls import path

from school import views

app_name = "exams"

urlpatterns = [
    path("", views.section, {"section": "exams"}, name="index"),
]
