"""The admin's 考试 submenu: the question bank here; exams, grading and certificates register into it."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from exams import admin_bank
from exams.permissions import can_use_bank

MENU_HOOK = "register_exams_menu_item"


class BankMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return can_use_bank(request.user)


@hooks.register("register_admin_urls")
def register_bank_urls() -> list:
    return [path("exams/bank/", include((admin_bank.urls, "exam_bank")))]


@hooks.register("register_admin_menu_item")
def register_exams_menu() -> SubmenuMenuItem:
    return SubmenuMenuItem(_("Exams"), Menu(register_hook_name=MENU_HOOK), icon_name="doc-full", order=255)


@hooks.register(MENU_HOOK)
def register_bank_menu_item() -> MenuItem:
    return BankMenuItem(_("Question bank"), reverse("exam_bank:index"), icon_name="list-ul", order=10)


@hooks.register(MENU_HOOK)
def register_import_menu_item() -> MenuItem:
    return BankMenuItem(_("Import questions"), reverse("exam_bank:import"), icon_name="upload", order=15)
