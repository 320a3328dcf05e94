"""The patient-facing bio: limited markdown, cleaned when saved, sanitized when rendered.

A bio is stored as the markdown its author typed, minus any raw HTML (`clean_bio`), and is
only ever shown through `render_bio`, which renders the markdown and passes the result through
an allow-list sanitizer (nh3): paragraphs, line breaks, emphasis, lists, quotes and http(s) or
mailto links. Scripts, frames, event handlers, styles and `javascript:` links never survive.
"""

import html
import re

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString, mark_safe

BIO_MAX_LENGTH = 2000

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Removed together with their content, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?]")
_HEADING_OPEN = re.compile(r"<h[1-6][^>]*>")
_HEADING_CLOSE = re.compile(r"</h[1-6]>")
_EMPTY_P = re.compile(r"<p>\s*</p>")


def _strip_html(text: str) -> str:
    # Unescaping may reveal a tag that was typed as entities ("&lt;script&gt;"), so repeat
    # until nothing changes.
    for _ in range(5):
        if not _TAG.search(text):
            break
        text = html.unescape(nh3.clean(text, tags=set(), clean_content_tags=DROPPED_WITH_CONTENT))
    return text


def clean_bio(text: str | None) -> str:
    """The bio as it will be stored: no raw HTML, no control characters, within the limit.

    Raises ValidationError (on `bio`) when it is too long.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _strip_html(text)
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    if len(text) > BIO_MAX_LENGTH:
        raise ValidationError(
            {"bio": f"The bio is {len(text):,} characters; keep it to {BIO_MAX_LENGTH:,} or fewer."}
        )
    return text


def render_bio(text: str | None) -> SafeString:
    """HTML for patients: the markdown rendered, then sanitized against the allow-list."""
    if not text:
        return mark_safe("")
    rendered = markdown.markdown(text, extensions=["nl2br", "sane_lists"], output_format="html")
    # Headings would shout on a directory card; show them as bold paragraphs.
    rendered = _HEADING_CLOSE.sub("</strong></p>", _HEADING_OPEN.sub("<p><strong>", rendered))
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    cleaned = _EMPTY_P.sub("", cleaned).strip()
    return mark_safe(cleaned)  # noqa: S308 - sanitized by nh3 just above
