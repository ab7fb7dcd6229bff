"""Demo boards and discussions for ``load_demo``: written through the services, loaded once."""

from __future__ import annotations

from typing import Any

from community import notes, permissions, proposals, services
from community.models import Board, NoteAudience, StudyNote, TopicProposal
from school.models import OrgUnit, User


def community_demo_load(*, learner: Any, instructor: Any, organizer: Any, branch: OrgUnit | None) -> int:
    """Boards and a few threads; returns how many threads were made (0 when already loaded)."""
    if learner is None or instructor is None or Board.objects.filter(title="学习交流").exists():
        return 0
    exchange = Board.objects.create(title="学习交流", description="交流学习体会，互相答疑解惑。", position=1)
    Board.objects.create(title="政策解读", description="围绕新出台的文件提问、解读。", position=2)
    if branch is not None:
        Board.objects.create(
            title=f"{branch.name}园地", description="本支部党员的交流园地。", org_unit=branch, position=3
        )
    others = list(User.objects.filter(member__isnull=False, is_active=True).exclude(pk=learner.pk)[:3])
    created = 0
    thread = services.thread_create(
        board=exchange,
        author=learner,
        title="大家是怎样坚持每天学习的？",
        body="工作忙的时候总是断断续续，想听听大家的办法。\n\n我现在利用通勤时间看微党课。",
        is_question=True,
    )
    created += 1
    for user, text in zip(
        others, ("我给自己定了每天二十分钟，雷打不动。", "支部每周三集中学习一次，效果不错。"), strict=False
    ):
        services.post_reply(thread=thread, author=user, body=text)
    if organizer is not None:
        services.post_reply(
            thread=thread,
            author=organizer,
            body=f"@{learner.display_name} 可以试试学习档案里的年度目标提醒。",
        )
    lesson_thread = _lesson_question(learner, instructor)
    return created + (1 if lesson_thread else 0)


def _lesson_question(learner: Any, instructor: Any):
    """A question on the first lesson of a course the instructor teaches, answered and marked best."""
    from courses.models import CoursePage, LessonPage

    course = CoursePage.objects.live().filter(instructors=instructor).order_by("path").first()
    lesson = LessonPage.objects.live().child_of(course).order_by("path").first() if course else None
    if lesson is None:
        return None
    board = services.board_for_page(page=lesson)
    thread = services.thread_create(
        board=board,
        author=learner,
        title="这一讲提到的“四个意识”具体指什么？",
        body="视频里讲得比较快，想确认一下。",
        is_question=True,
    )
    answer = services.post_reply(
        thread=thread,
        author=instructor,
        body="政治意识、大局意识、核心意识、看齐意识。课程第二讲还会展开讲。",
    )
    services.post_mark_best(post=answer, acting_user=instructor)
    return thread


def notes_demo_load(*, learner: Any, organizer: Any) -> int:
    """Three study notes of the demo learner (one featured by their organizer); 0 when already loaded."""
    from courses.models import ArticlePage, LessonPage

    if learner is None or StudyNote.objects.filter(author=learner).exists():
        return 0
    lesson = LessonPage.objects.live().order_by("path").first()
    article = ArticlePage.objects.live().order_by("path").first()
    shared = notes.note_create(
        author=learner,
        page=lesson,
        title="学党章要落到日常工作中",
        body=(
            "这一讲让我认识到，党章不是挂在墙上的条文，而是每天工作的标尺。\n\n"
            "我给自己定了三条：按时参加组织生活；业务工作对照党员标准；每月写一篇学习心得。"
        ),
        audience=NoteAudience.EVERYONE,
    )
    notes.note_create(
        author=learner,
        page=article,
        title="支部学习讨论记录",
        body="本周支部集中学习时大家谈到，理论学习要和解决实际问题结合起来。",
        audience=NoteAudience.BRANCH,
    )
    notes.note_create(
        author=learner,
        title="个人学习计划（草稿）",
        body="上半年读完党章和准则条例，下半年完成两门专题课程。",
        audience=NoteAudience.PRIVATE,
    )
    if organizer is not None and permissions.can_moderate_note(organizer, shared):
        notes.note_feature(note=shared, acting_user=organizer)
    return 3


def proposals_demo_load(*, learner: Any, organizer: Any) -> int:
    """Topic proposals with votes, one of them turned into a call for instructors; 0 when loaded."""
    from courses.models import CoursePage

    if learner is None or TopicProposal.objects.exists():
        return 0
    members = list(User.objects.filter(member__isnull=False, is_active=True).order_by("pk")[:12])
    topics = [
        ("新媒体时代如何做好基层党建宣传", "希望学习公众号、短视频的选题和写作方法。", 9),
        ("党支部“三会一课”规范化实务", "想系统学习会议记录、程序和常见问题。", 6),
        ("党员干部廉洁自律典型案例解读", "", 4),
        ("数字化办公与保密常识", "", 1),
    ]
    made = []
    for title, body, votes in topics:
        proposal = proposals.proposal_create(author=learner, title=title, body=body)
        for voter in members[:votes]:
            proposals.proposal_vote(proposal=proposal, user=voter)
        made.append(proposal)
    course = CoursePage.objects.live().order_by("path").first()
    if organizer is not None and course is not None and permissions.can_run_calls(organizer):
        proposals.call_open(
            proposal=made[0],
            acting_user=organizer,
            course=course,
            title="讲师招募：新媒体时代的基层党建宣传",
            body="负责录制 4 讲微视频党课，每讲 15 分钟左右，并在课程讨论区答疑。",
        )
    return len(made)
