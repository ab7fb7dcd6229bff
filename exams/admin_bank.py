"""The question bank in the admin (题库): questions, categories, imports with preview, Excel export.

The bank is the school's: every user with the bank permissions works in all of it. Each
edit writes a new version (attempts keep theirs); a regrade moves finished attempts to the
current version on request.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from exams.bank_forms import FORMS, CategoryForm, ImportForm
from exams.exceptions import ExamError
from exams.imports.excel import template_bytes, write_excel
from exams.models import Difficulty, Question, QuestionCategory, QuestionImport, QuestionKind
from exams.permissions import can_use_bank, exams_managed_by
from exams.services.bank import question_create, question_revise
from exams.services.imports import (
    import_preview,
    parsed_from_version,
    question_import_commit,
    question_import_upload,
)
from exams.services.results import question_regrade
from school.admin_ui.imports import xlsx_response
from school.permissions import is_system_admin
from school.services.audit import audit_record

PER_PAGE = 50


def _require_bank(request: HttpRequest) -> None:
    if not can_use_bank(request.user):
        raise PermissionDenied


def query_int(value: str | None) -> int | None:
    """A number from the query string; anything else (empty, text, an injection attempt) is None."""
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _filtered_questions(request: HttpRequest):
    questions = Question.objects.select_related("current_version", "category")
    category = QuestionCategory.objects.filter(pk=query_int(request.GET.get("category"))).first()
    if category:
        questions = questions.in_category(category)
    if request.GET.get("kind") in QuestionKind.values:
        questions = questions.filter(kind=request.GET["kind"])
    difficulty = query_int(request.GET.get("difficulty"))
    if difficulty in Difficulty.values:
        questions = questions.filter(difficulty=difficulty)
    text = request.GET.get("q", "").strip()
    if text:
        questions = questions.filter(
            Q(current_version__stem__icontains=text) | Q(current_version__title__icontains=text)
        )
    questions = questions.filter(archived=request.GET.get("archived") == "1")
    return questions, category


def question_index(request: HttpRequest) -> HttpResponse:
    _require_bank(request)
    questions, category = _filtered_questions(request)
    page = Paginator(questions.order_by("-updated_at", "-pk"), PER_PAGE).get_page(request.GET.get("p"))
    context = {
        "page_title": _("Question bank"),
        "page": page,
        "categories": QuestionCategory.objects.order_by("path"),
        "category": category,
        "kinds": QuestionKind.choices,
        "difficulties": Difficulty.choices,
        "filters": request.GET,
        "total": page.paginator.count,
    }
    return TemplateResponse(request, "exams/admin/bank/question_index.html", context)


def _question_form_page(request, form, *, title: str, question: Question | None = None) -> HttpResponse:
    context = {
        "page_title": title,
        "form": form,
        "question": question,
        "cancel_url": reverse("exam_bank:index"),
    }
    return TemplateResponse(request, "exams/admin/bank/question_form.html", context)


def question_create_view(request: HttpRequest) -> HttpResponse:
    _require_bank(request)
    kind = request.GET.get("kind", QuestionKind.SINGLE)
    if kind not in FORMS:
        kind = QuestionKind.SINGLE
    form_class = FORMS[kind]
    initial = {"category": query_int(request.GET.get("category"))}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            question = question_create(
                category=form.cleaned_data["category"], content=form.content(), acting_user=request.user
            )
        except ExamError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Question added."))
            return redirect(f"{reverse('exam_bank:index')}?category={question.category_id}")
    title = _("Add a question: %(kind)s") % {"kind": QuestionKind(kind).label}
    return _question_form_page(request, form, title=title)


def question_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_bank(request)
    question = get_object_or_404(Question.objects.select_related("current_version", "category"), pk=pk)
    form_class = FORMS[question.kind]
    initial = form_class.initial_from(question.current_version, question.category)
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            before = question.current_version_id
            version = question_revise(question=question, content=form.content(), acting_user=request.user)
            _move_category(question, form.cleaned_data["category"], request.user)
        except ExamError as refused:
            form.add_error(None, refused.message)
        else:
            if version.pk == before:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(
                    request,
                    _("Saved as version %(number)s. Attempts already taken keep the version they were given.")
                    % {"number": version.number},
                )
            return redirect("exam_bank:edit", pk=question.pk)
    title = _("Edit question (version %(number)s)") % {"number": question.current_version.number}
    return _question_form_page(request, form, title=title, question=question)


def _move_category(question: Question, category: QuestionCategory, user) -> None:
    if category.pk != question.category_id:
        question.category = category
        question.save(update_fields=["category", "updated_at"])
        audit_record(actor=user, action="question.moved", target=question, category=category.name)


def question_history(request: HttpRequest, pk: int) -> HttpResponse:
    _require_bank(request)
    question = get_object_or_404(Question, pk=pk)
    versions = question.versions.select_related("created_by").order_by("-number")
    context = {"page_title": _("Versions of a question"), "question": question, "versions": versions}
    return TemplateResponse(request, "exams/admin/bank/question_history.html", context)


@require_POST
def question_regrade_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_bank(request)
    question = get_object_or_404(Question.objects.select_related("current_version", "category"), pk=pk)
    count = question_regrade(
        question=question, acting_user=request.user, exams=exams_managed_by(request.user)
    )
    messages.success(
        request, _("%(count)s attempts in exams you manage now use the current version.") % {"count": count}
    )
    return redirect("exam_bank:history", pk=question.pk)


@require_POST
def question_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_bank(request)
    question = get_object_or_404(Question, pk=pk)
    question.archived = not question.archived
    question.save(update_fields=["archived", "updated_at"])
    audit_record(
        actor=request.user,
        action="question.archived" if question.archived else "question.restored",
        target=question,
    )
    messages.success(request, _("Question archived.") if question.archived else _("Question restored."))
    return redirect("exam_bank:index")


# --- categories ---------------------------------------------------------------------------------


def category_index(request: HttpRequest) -> HttpResponse:
    _require_bank(request)
    categories = QuestionCategory.objects.order_by("path").annotate(
        question_count=Count("questions", filter=Q(questions__archived=False))
    )
    context = {"page_title": _("Question categories"), "page": categories.select_related("course")}
    return TemplateResponse(request, "exams/admin/bank/category_index.html", context)


def category_create(request: HttpRequest) -> HttpResponse:
    _require_bank(request)
    form = CategoryForm(request.POST or None, initial={"parent": query_int(request.GET.get("parent"))})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["parent"] is not None:
            parent = QuestionCategory.objects.get(pk=data["parent"].pk)
            category = parent.add_child(name=data["name"], course=data["course"])
        else:
            category = QuestionCategory.add_root(name=data["name"], course=data["course"])
        audit_record(actor=request.user, action="question_category.created", target=category)
        messages.success(request, _("Category added."))
        return redirect("exam_bank:categories")
    context = {
        "page_title": _("Add a question category"),
        "form": form,
        "help_text": _(
            "Categories group questions; a random exam slot draws from a category and those inside it."
        ),
        "cancel_url": reverse("exam_bank:categories"),
    }
    return TemplateResponse(request, "courses/admin/form.html", context)


@require_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_bank(request)
    if not (is_system_admin(request.user) or request.user.has_perm("exams.delete_questioncategory")):
        raise PermissionDenied
    category = get_object_or_404(QuestionCategory, pk=pk)
    in_use = category.get_children_count() or category.questions.exists() or category.slots.exists()
    if in_use:
        messages.error(request, _("Only an empty category that no exam draws from can be deleted."))
    else:
        audit_record(actor=request.user, action="question_category.deleted", target=category)
        category.delete()
        messages.success(request, _("Category deleted."))
    return redirect("exam_bank:categories")


# --- imports and exports ------------------------------------------------------------------------


def import_upload(request: HttpRequest) -> HttpResponse:
    _require_bank(request)
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        initial={"category": query_int(request.GET.get("category"))},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            question_import = question_import_upload(
                file=upload,
                name=upload.name,
                size=upload.size,
                category=form.cleaned_data["category"],
                acting_user=request.user,
            )
        except ExamError as refused:
            form.add_error("file", refused.message)
        else:
            return redirect("exam_bank:import_preview", pk=question_import.pk)
    context = {"page_title": _("Import questions"), "form": form}
    return TemplateResponse(request, "exams/admin/bank/import_upload.html", context)


def _own_import(request: HttpRequest, pk: int) -> QuestionImport:
    _require_bank(request)
    imports = QuestionImport.objects.select_related("category")
    if not is_system_admin(request.user):
        imports = imports.filter(uploaded_by=request.user)
    return get_object_or_404(imports, pk=pk)


def import_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    question_import = _own_import(request, pk)
    try:
        preview = import_preview(question_import)
    except ExamError as refused:
        messages.error(request, refused.message)
        return redirect("exam_bank:import")
    counts = {label: 0 for _value, label in QuestionKind.choices}
    for content in preview.contents:
        counts[QuestionKind(content.kind).label] += 1
    context = {
        "page_title": _("Check the import"),
        "question_import": question_import,
        "preview": preview,
        "rows": [
            (parsed, content, QuestionKind(content.kind).label)
            for parsed, content in zip(preview.result.questions, preview.contents, strict=True)
        ],
        "counts": counts,
    }
    return TemplateResponse(request, "exams/admin/bank/import_preview.html", context)


@require_POST
def import_commit_view(request: HttpRequest, pk: int) -> HttpResponse:
    question_import = _own_import(request, pk)
    try:
        count = question_import_commit(question_import=question_import, acting_user=request.user)
    except ExamError as refused:
        messages.error(request, refused.message)
        return redirect("exam_bank:import_preview", pk=question_import.pk)
    messages.success(request, _("%(count)s questions imported.") % {"count": count})
    return redirect(f"{reverse('exam_bank:index')}?category={question_import.category_id}")


def template_download(request: HttpRequest) -> HttpResponse:
    _require_bank(request)
    return xlsx_response(template_bytes(), _("question-import-template.xlsx"))


def _category_paths(*, base_depth: int) -> dict[int, list[str]]:
    """Each category's names from below ``base_depth`` down to itself (what the Excel 分类 column holds)."""
    by_path = {c.path: c for c in QuestionCategory.objects.order_by("path")}
    step = QuestionCategory.steplen
    return {
        node.pk: [
            by_path[node.path[:end]].name for end in range(step * (base_depth + 1), len(node.path) + 1, step)
        ]
        for node in by_path.values()
    }


def bank_export(request: HttpRequest) -> HttpResponse:
    """The filtered questions (current versions) as an Excel file in the import format."""
    _require_bank(request)
    questions, category = _filtered_questions(request)
    names = _category_paths(base_depth=category.depth if category else 0)
    rows = [
        parsed_from_version(question.current_version, category=names[question.category_id])
        for question in questions.order_by("category__path", "pk")
    ]
    try:
        data = write_excel(rows)
    except ValueError as refused:
        messages.error(request, str(refused))
        return redirect("exam_bank:index")
    name = f"{category.name if category else _('question-bank')}.xlsx"
    return xlsx_response(data, name)


urls = [
    path("", question_index, name="index"),
    path("add/", question_create_view, name="add"),
    path("<int:pk>/", question_edit_view, name="edit"),
    path("<int:pk>/versions/", question_history, name="history"),
    path("<int:pk>/regrade/", question_regrade_view, name="regrade"),
    path("<int:pk>/archive/", question_archive_view, name="archive"),
    path("categories/", category_index, name="categories"),
    path("categories/add/", category_create, name="category_add"),
    path("categories/<int:pk>/delete/", category_delete, name="category_delete"),
    path("import/", import_upload, name="import"),
    path("import/<int:pk>/", import_preview_view, name="import_preview"),
    path("import/<int:pk>/commit/", import_commit_view, name="import_commit"),
    path("import/template.xlsx", template_download, name="template"),
    path("export.xlsx", bank_export, name="export"),
]
