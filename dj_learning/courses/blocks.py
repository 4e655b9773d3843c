"""StreamField blocks for the lessons of a module.

A module's ``lessons`` field is a stream of ``LessonBlock``s; each lesson is a
titled stream of content blocks. A lesson's identity is its block id, which
Wagtail keeps across revisions, so progress survives edits of the text.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock

VIDEO_EXTENSIONS = (".mp4", ".webm", ".ogg", ".ogv", ".m4v")


class VideoBlock(blocks.StructBlock):
    """A video: an uploaded file (a document) or the URL of a file or an embeddable player."""

    file = DocumentChooserBlock(
        required=False, label=_("video file"), help_text=_("An uploaded MP4 or WebM file.")
    )
    url = blocks.URLBlock(
        required=False,
        label=_("video URL"),
        help_text=_("A link to a video file, or the address of an embeddable player."),
    )
    caption = blocks.CharBlock(required=False, label=_("caption"))

    class Meta:
        icon = "media"
        label = _("Video")
        template = "dj_learning/courses/blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("file")) == bool(value.get("url")):
            raise blocks.StructBlockValidationError(
                block_errors={"url": ValidationError(_("Give either a video file or a URL."))}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        src = value["file"].url if value.get("file") else value.get("url", "")
        context["src"] = src
        context["is_file"] = src.lower().split("?")[0].endswith(VIDEO_EXTENSIONS)
        return context


class SourceLinkBlock(blocks.StructBlock):
    """ "Read the source": a link to the original text elsewhere."""

    title = blocks.CharBlock(label=_("title"))
    url = blocks.URLBlock(label=_("URL"))
    note = blocks.TextBlock(required=False, label=_("note"))

    class Meta:
        icon = "link-external"
        label = _("Read the source")
        template = "dj_learning/courses/blocks/source_link.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    note = blocks.CharBlock(required=False, label=_("note"))

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "dj_learning/courses/blocks/document.html"


class LessonContentBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(label=_("Text"))
    image = ImageBlock(label=_("Image"))
    video = VideoBlock()
    document = DocumentBlock()
    source = SourceLinkBlock()


class LessonBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("lesson title"))
    min_minutes = blocks.DecimalBlock(
        required=False,
        min_value=0,
        decimal_places=1,
        label=_("minimum study time (minutes)"),
        help_text=_("Leave empty to share the module's minimum equally among its lessons."),
    )
    content = LessonContentBlock(label=_("content"))

    class Meta:
        icon = "doc-full-inverse"
        label = _("Lesson")
