"""Pages reach the index through signals and tasks, carry their access rules, and leave it when they
stop being readable. Search agrees with the pages: what it finds opens, what it hides does not."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.models import AccessLevel, CourseTopic, LessonAttachment, LibraryCategory
from courses.permissions import can_read
from courses.services.documents import policy_document_extract_text
from courses.tests import factories
from courses.tests.test_access import ALLOWED, READERS, readers  # noqa: F401 - fixture
from courses.tests.test_documents import docx_bytes, pdf_bytes, stored_document
from search import api
from search.backends import get_backend
from search.registry import all_types
from search.services import search_check, search_index, search_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def tasks_run(monkeypatch, django_capture_on_commit_callbacks):
    """Index tasks run in-process when their transaction commits, as a worker would run them."""
    from search import tasks

    monkeypatch.setattr(tasks.search_index_task, "delay", lambda **kw: tasks.search_index_task(**kw))
    monkeypatch.setattr(
        tasks.search_reindex_restricted_task, "delay", lambda **kw: tasks.search_reindex_restricted_task(**kw)
    )

    class Runner:
        def __enter__(self):
            self.capture = django_capture_on_commit_callbacks(execute=True)
            return self.capture.__enter__()

        def __exit__(self, *exc):
            return self.capture.__exit__(*exc)

    return Runner


def found(user, q: str) -> list[str]:
    return [hit.title for hit in api.query(user, q, per_page=50).results.hits]


def rebuild_all() -> None:
    for search_type in all_types():
        search_rebuild(search_type=search_type)


def test_publishing_a_page_indexes_it(tasks_run, member_a1):
    with tasks_run():
        factories.article("学习贯彻党的二十大精神", body=[("paragraph", "<p>全面从严治党</p>")])
    assert found(member_a1.user, "从严治党") == ["学习贯彻党的二十大精神"]


def test_unpublishing_a_page_removes_it(tasks_run, member_a1):
    with tasks_run():
        page = factories.article("党史学习教育")
    with tasks_run():
        page.unpublish()
    assert found(member_a1.user, "党史") == []


def test_unpublishing_a_course_removes_its_lessons(tasks_run, member_a1):
    with tasks_run():
        course = factories.course("党章课程")
        factories.lesson(course, "第一讲 总纲")
    with tasks_run():
        course.unpublish()
    assert found(member_a1.user, "总纲") == []


def test_deleting_a_page_removes_it(tasks_run, member_a1):
    with tasks_run():
        page = factories.article("党史学习教育")
    with tasks_run():
        page.delete()
    assert get_backend().counts().get("article", 0) == 0


def test_a_lesson_follows_its_courses_access(tasks_run, org_tree, member_a1, member_a2):
    with tasks_run():
        course = factories.course("支部课程", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
        factories.lesson(course, "第一讲 组织生活", access=AccessLevel.MEMBERS)
    assert found(member_a1.user, "组织生活") == ["第一讲 组织生活"]
    assert found(member_a2.user, "组织生活") == []
    with tasks_run():
        course.access_org_units.set([org_tree.branch_a2])
        course.save_revision().publish()
    assert found(member_a1.user, "组织生活") == []
    assert found(member_a2.user, "组织生活") == ["第一讲 组织生活"]


@pytest.mark.parametrize("level", list(ALLOWED))
def test_search_finds_exactly_the_pages_a_reader_may_open(readers, org_tree, level):  # noqa: F811
    units = {"org_units": [org_tree.branch_a1]} if level == AccessLevel.ORG_UNITS else {}
    course = factories.course("课程甲", access=level, **units)
    lesson = factories.lesson(course, "课节甲", access=AccessLevel.PUBLIC)
    article = factories.article("资料甲", access=level, **units)
    policy = factories.policy_document("文件甲", access=level)
    if units:
        policy.access_org_units.set(units["org_units"])
        policy.save_revision().publish()
    rebuild_all()
    for reader in READERS:
        user = readers[reader]
        expected = sorted(p.title for p in (course, lesson, article, policy) if can_read(user, p))
        page = api.query(user, "甲", per_page=50)
        assert sorted(hit.title for hit in page.results.hits) == expected, reader
        assert page.results.total == len(expected)
        assert sum(v.count for v in page.results.facets["type"]) == len(expected)


def test_a_branch_internal_document_is_invisible_to_another_branch(org_tree, member_a1, member_a2):
    factories.policy_document("第一支部内部文件", access=AccessLevel.ORG_UNITS)
    page = factories.policy_document(
        "第一支部内部文件二", access=AccessLevel.ORG_UNITS, issuing_authority="第一支部"
    )
    for policy in type(page).objects.all():
        policy.access_org_units.set([org_tree.branch_a1])
        policy.save_revision().publish()
    rebuild_all()
    outsider = api.query(member_a2.user, "内部文件")
    assert outsider.total == 0
    assert all(not values for values in outsider.results.facets.values())
    insider = api.query(member_a1.user, "内部文件")
    assert insider.total == 2
    assert {v.value for v in insider.results.facets["authority"]} == {"第一支部", "中共中央"}


def test_the_text_of_a_policy_documents_original_is_found(tasks_run, member_a1):
    original = stored_document("zhangcheng.pdf", pdf_bytes("党员必须履行的八项义务"))
    with tasks_run():
        page = factories.policy_document("中国共产党章程", original=original)
        policy_document_extract_text(page_id=page.pk)
    assert found(member_a1.user, "八项义务") == ["中国共产党章程"]


def test_a_lessons_attachment_transcript_and_captions_are_found(tasks_run, member_a1):
    from media_pipeline.models import Video, VideoCaption

    video = Video.objects.create(title="微党课", transcript="同志们好，今天讲初心使命")
    caption = VideoCaption(video=video, language="zh-Hans", label="中文")
    caption.file.save(
        "c.vtt",
        ContentFile("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\n<v 讲师>牢记嘱托砥砺前行\n"),
        save=True,
    )
    with tasks_run():
        course = factories.course("视频课程")
        lesson = factories.lesson(course, "第一讲", video=video, body=[])
        LessonAttachment.objects.create(
            page=lesson, document=stored_document("a.docx", docx_bytes("支部工作条例要点"))
        )
        lesson.save_revision().publish()
    assert found(member_a1.user, "初心使命") == ["第一讲"]
    assert found(member_a1.user, "砥砺前行") == ["第一讲"]
    assert found(member_a1.user, "讲师") == []
    assert found(member_a1.user, "工作条例") == ["第一讲"]


def test_editing_a_transcript_reindexes_the_lessons_showing_the_video(tasks_run, member_a1):
    from media_pipeline.models import Video

    video = Video.objects.create(title="微党课")
    with tasks_run():
        factories.lesson(factories.course("视频课程"), "第一讲", video=video, body=[])
    with tasks_run():
        video.transcript = "不忘初心"
        video.save(update_fields=["transcript"])
    assert found(member_a1.user, "不忘初心") == ["第一讲"]


def test_renaming_a_category_updates_the_facet(tasks_run, member_a1):
    category = LibraryCategory.objects.create(name="学习资料")
    topic = CourseTopic.objects.create(name="党史")
    with tasks_run():
        factories.article("党章学习", category=category)
        factories.course("党章课程", topic=topic)
    with tasks_run():
        category.name = "理论学习"
        category.save()
        topic.name = "党史学习"
        topic.save()
    facets = api.query(member_a1.user, "党章").results.facets["category"]
    assert {v.value for v in facets} == {"理论学习", "党史学习"}


def test_moving_an_org_unit_reindexes_restricted_records(tasks_run, org_tree, member_a1, system_admin):
    from school.services.org_units import org_unit_move

    page = factories.article("小组资料", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_b1])
    rebuild_all()
    assert found(member_a1.user, "小组资料") == []
    with tasks_run():
        org_unit_move(acting_user=system_admin, unit=org_tree.group_a1, parent=org_tree.branch_b1)
    member_a1.refresh_from_db()
    assert found(member_a1.user, "小组资料") == [page.title]


def test_indexing_an_unknown_or_malformed_key_changes_nothing():
    report = search_index(keys=["article:999999", "nonsense", "ghost:1"])
    assert report.written == 0


def test_the_check_reports_missing_and_extra_records_and_a_rebuild_repairs_them(member_a1):
    factories.article("党章学习")
    get_backend().index([])
    checks = {check.type_name: check for check in search_check()}
    assert len(checks["article"].missing) == 1
    rebuild_all()
    assert all(check.ok for check in search_check())


def test_the_commands_rebuild_and_check_the_index(capsys, member_a1):
    factories.article("党章学习")
    factories.policy_document("党内法规")
    with pytest.raises(CommandError):
        call_command("search_check")
    call_command("search_reindex", "--no-progress")
    call_command("search_check")
    out = capsys.readouterr().out
    assert "article" in out and "ok" in out
    assert found(member_a1.user, "党内法规") == ["党内法规"]


def test_an_unknown_type_is_refused_by_the_reindex_command():
    with pytest.raises(CommandError, match="unknown type"):
        call_command("search_reindex", "sermons")
