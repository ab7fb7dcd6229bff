"""Signals the courses app sends for other apps to act on (the community notifies members).

Receivers only enqueue work on commit; the sender does not wait for them.
"""

from django.dispatch import Signal

# sent by ``course_assign`` inside its transaction, with ``assignment`` (a CourseAssignment)
course_assigned = Signal()
