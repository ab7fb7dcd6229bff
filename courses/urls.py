from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("courses/<int:course_id>/rate/", views.rate, name="rate"),
    path("lessons/<int:lesson_id>/start/", views.study_start, name="study_start"),
    path("beat/", views.study_beat, name="study_beat"),
]
