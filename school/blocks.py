"""StreamField blocks for the home page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class NoticeBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=100)
    date = blocks.DateBlock(label=_("date"), required=False)
    text = blocks.TextBlock(label=_("text"), required=False)

    class Meta:
        icon = "info-circle"
        label = _("Notice")
        template = "blocks/notice.html"


class NoticeListBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), max_length=50)
    notices = blocks.ListBlock(NoticeBlock(), label=_("notices"))

    class Meta:
        icon = "list-ul"
        label = _("Notice list")
        template = "blocks/notice_list.html"


class FeatureBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=50)
    text = blocks.TextBlock(label=_("text"), max_length=200)
    link = blocks.CharBlock(label=_("link"), required=False, max_length=200)

    class Meta:
        icon = "pick"
        label = _("Feature")


def feature_icon(link: str) -> str:
    """Pick the navigation icon of the section a feature links to (no schema field, so no migration)."""
    from school.context_processors import NAV_ITEMS

    for item in reversed(NAV_ITEMS):
        if link and link.startswith(item.url):
            return item.icon
    return "star"


class FeatureGridBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), max_length=50)
    features = blocks.ListBlock(FeatureBlock(), label=_("features"))

    def get_context(self, value, parent_context: dict | None = None) -> dict:
        context = super().get_context(value, parent_context=parent_context)
        context["features"] = [(feature, feature_icon(feature["link"])) for feature in value["features"]]
        return context

    class Meta:
        icon = "grip"
        label = _("Feature grid")
        template = "blocks/feature_grid.html"


class HomeBodyBlock(blocks.StreamBlock):
    notices = NoticeListBlock()
    features = FeatureGridBlock()
    text = blocks.RichTextBlock(label=_("Text"), features=["h2", "h3", "bold", "italic", "link", "ol", "ul"])
