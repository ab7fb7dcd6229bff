from django.urls import path

from exams.views import certificates, member

app_name = "exams"

urlpatterns = [
    path("", member.exam_list, name="index"),
    path("<int:exam_id>/", member.exam_detail, name="detail"),
    path("<int:exam_id>/start", member.attempt_start_view, name="start"),
    path("attempts/<uuid:attempt_id>/", member.attempt_page, name="attempt"),
    path("attempts/<uuid:attempt_id>/save", member.attempt_save_view, name="save"),
    path("attempts/<uuid:attempt_id>/submit", member.attempt_submit_view, name="submit"),
    path("attempts/<uuid:attempt_id>/result", member.attempt_result, name="result"),
    path("certificates/<str:verification_id>/pdf", certificates.certificate_download, name="certificate_pdf"),
]
