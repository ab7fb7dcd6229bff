"""StreamField blocks of the media pipeline."""

from media_pipeline.chooser import video_chooser_viewset

VideoChooserBlock = video_chooser_viewset.get_block_class(
    name="VideoChooserBlock", module_path="media_pipeline.blocks"
)
