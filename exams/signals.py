"""Signals the exams app sends for other apps to act on (the community notifies members).

Receivers only enqueue work on commit; the sender does not wait for them.
"""

from django.dispatch import Signal

# sent once per exam when it opens (``exams_announce_open``), with ``exam``
exam_opened = Signal()
