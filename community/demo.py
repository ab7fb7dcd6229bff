"""Demo boards and discussions for ``load_demo``: written through the services, loaded once."""

from __future__ import annotations

import contextlib
from typing import Any

from community import notes, permissions, proposals, services
from community.exceptions import CommunityError
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


def homework_demo_load(*, learner: Any, instructor: Any) -> int:
    """Homework on the instructor's first course, handed in by the demo learner; 0 when loaded."""
    import datetime

    from django.utils import timezone

    from community import homework
    from community.models import Assignment
    from courses.models import CoursePage

    if learner is None or instructor is None or Assignment.objects.exists():
        return 0
    course = CoursePage.objects.live().filter(instructors=instructor).order_by("path").first()
    if course is None:
        return 0
    assignment = homework.assignment_create(
        course=course,
        acting_user=instructor,
        title="结合本职工作谈学习体会",
        prompt="学完本课程后，结合本职工作写一篇学习体会，不少于800字。可附上支部学习记录的照片或文档。",
        due_at=timezone.now() + datetime.timedelta(days=14),
    )
    if homework.submission_refusal(assignment=assignment, author=learner) == "":
        homework.submission_save(
            assignment=assignment,
            author=learner,
            text="通过学习，我对全面从严治党有了更深的认识。\n\n在今后的工作中，我将以党章为根本遵循，立足岗位作贡献。",
        )
    return 1


def letters_demo_load(*, learner: Any, organizer: Any) -> int:
    """A letter from the demo learner to their 支部, answered in public by its organizer; 0 when loaded."""
    from community import letters
    from community.models import Letter
    from community.permissions import author_branch, can_answer_letter

    if learner is None or organizer is None or Letter.objects.exists():
        return 0
    branch = author_branch(learner)
    if branch is None:
        return 0
    letter = letters.letter_create(
        author=learner,
        org_unit=branch,
        title="建议把集中学习安排在周末上午",
        body="工作日晚上经常加班，集中学习时间冲突。建议调整到周末上午，并提供线上回看。",
        is_anonymous=True,
    )
    if can_answer_letter(organizer, letter):
        letters.letter_reply(
            letter=letter,
            acting_user=organizer,
            body="感谢建议。经支委会研究，下月起集中学习安排在周六上午，并同步开放线上回看。",
            public=True,
        )
    return 1


def groups_demo_load(*, learner: Any, organizer: Any) -> int:
    """An active study group of the organizer with a reading list, joined by the demo learner."""
    from community import groups
    from community.models import StudyGroup
    from courses.models import ArticlePage, CoursePage, PolicyDocumentPage
    from school.permissions import managed_roots

    if learner is None or organizer is None or StudyGroup.objects.exists():
        return 0
    roots = managed_roots(organizer)
    group = groups.group_create(
        creator=organizer,
        name="党的创新理论学习小组",
        topic="学习贯彻习近平新时代中国特色社会主义思想",
        description="每周读一篇，周五在小组讨论区交流体会。",
        org_unit=roots[0] if roots else None,
    )
    if group.status != StudyGroup.Status.ACTIVE:
        return 1
    for model in (CoursePage, ArticlePage, PolicyDocumentPage):
        page = model.objects.live().order_by("path").first()
        if page is not None:
            groups.reading_add(group=group, page=page, acting_user=organizer, note="必读篇目")
    with contextlib.suppress(CommunityError):  # the learner may be outside the organizer's units
        groups.group_join(group=group, user=learner)
    return 1
