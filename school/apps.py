from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolConfig(AppConfig):
    name = "school"
    verbose_name = _("Party school")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from school import roles, signal_handlers

        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="school.roles_sync")
        signal_handlers.connect()
