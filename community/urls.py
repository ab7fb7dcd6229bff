from django.urls import path

from community import note_views, proposal_views, views
from school.csp import strict_csp

app_name = "community"

urlpatterns = [
    path("", strict_csp(views.index), name="index"),
    path("boards/<int:pk>/", strict_csp(views.board), name="board"),
    path("boards/<int:pk>/new/", strict_csp(views.thread_new), name="thread_new"),
    path("pages/<int:page_id>/", strict_csp(views.page_board), name="page_board"),
    path("threads/<int:pk>/", strict_csp(views.thread), name="thread"),
    path("threads/<int:pk>/flags/", strict_csp(views.thread_flags), name="thread_flags"),
    path("posts/<int:pk>/edit/", strict_csp(views.post_edit), name="post_edit"),
    path("posts/<int:pk>/like/", strict_csp(views.post_like), name="post_like"),
    path("posts/<int:pk>/best/", strict_csp(views.post_best), name="post_best"),
    path("posts/<int:pk>/report/", strict_csp(views.post_report), name="post_report"),
    path("posts/<int:pk>/moderate/", strict_csp(views.post_moderate), name="post_moderate"),
    path("notes/", strict_csp(note_views.note_list), name="notes"),
    path("notes/new/", strict_csp(note_views.note_new), name="note_new"),
    path("notes/<int:pk>/", strict_csp(note_views.note_detail), name="note"),
    path("notes/<int:pk>/edit/", strict_csp(note_views.note_edit), name="note_edit"),
    path("notes/<int:pk>/delete/", strict_csp(note_views.note_delete), name="note_delete"),
    path("notes/<int:pk>/like/", strict_csp(note_views.note_like), name="note_like"),
    path("notes/<int:pk>/feature/", strict_csp(note_views.note_feature), name="note_feature"),
    path("notes/<int:pk>/moderate/", strict_csp(note_views.note_moderate), name="note_moderate"),
    path("topics/", strict_csp(proposal_views.topic_list), name="proposals"),
    path("topics/new/", strict_csp(proposal_views.topic_new), name="proposal_new"),
    path("topics/<int:pk>/", strict_csp(proposal_views.topic_detail), name="proposal"),
    path("topics/<int:pk>/vote/", strict_csp(proposal_views.topic_vote), name="proposal_vote"),
    path("topics/<int:pk>/approve/", strict_csp(proposal_views.topic_approve), name="proposal_approve"),
    path("topics/<int:pk>/decline/", strict_csp(proposal_views.topic_decline), name="proposal_decline"),
    path("topics/<int:pk>/call/", strict_csp(proposal_views.call_new), name="call_new"),
    path("calls/", strict_csp(proposal_views.call_list), name="calls"),
    path("calls/<int:pk>/", strict_csp(proposal_views.call_detail), name="call"),
    path("calls/<int:pk>/close/", strict_csp(proposal_views.call_close), name="call_close"),
    path("applications/<int:pk>/", strict_csp(proposal_views.application_decide), name="application_decide"),
    path("moderation/", strict_csp(views.moderation), name="moderation"),
    path("notifications/", strict_csp(views.notifications), name="notifications"),
    path("notifications/<int:pk>/", strict_csp(views.notification_open), name="notification_open"),
]
