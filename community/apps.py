from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        from community import signal_handlers
        from community.search_index import register_types

        signal_handlers.connect()
        register_types()
