"""The study community: discussion boards, threads and posts, likes, reports, study notes, notifications.

A board belongs to a course or lesson page (who may read the page may read the board), to an org
unit (its members and the organizers above it), or to everyone logged in. Who may do what is
answered in ``community.permissions``; every write goes through ``community.services``.
"""

from community.models.discussion import (
    Board,
    Post,
    PostLike,
    PostReport,
    SensitiveWord,
    Thread,
    ThreadVisit,
    Visibility,
)
from community.models.groups import GroupMembership, GroupReading, ReadingDone, StudyGroup
from community.models.homework import Assignment, Submission, SubmissionFile
from community.models.letters import Letter, LetterReply
from community.models.notes import NoteAudience, NoteComment, NoteLike, NoteReport, StudyNote
from community.models.notifications import Notification
from community.models.proposals import CallApplication, InstructorCall, ProposalVote, TopicProposal

__all__ = [
    "Assignment",
    "GroupMembership",
    "GroupReading",
    "Letter",
    "LetterReply",
    "ReadingDone",
    "StudyGroup",
    "Submission",
    "SubmissionFile",
    "Board",
    "CallApplication",
    "InstructorCall",
    "NoteAudience",
    "NoteComment",
    "NoteLike",
    "NoteReport",
    "Notification",
    "Post",
    "PostLike",
    "PostReport",
    "ProposalVote",
    "SensitiveWord",
    "StudyNote",
    "Thread",
    "ThreadVisit",
    "TopicProposal",
    "Visibility",
]
