"""User text to safe HTML: Markdown by markdown-it-py, then sanitized by nh3 (Ammonia)."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

# Raw HTML in the source is escaped, never passed through; nh3 is the second wall.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
_markdown.enable("strikethrough").enable("table")


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    # Pictures from elsewhere would let an author track readers (and the CSP blocks them):
    # an image becomes a plain link with its alt text, and nh3 still vets the address.
    token = tokens[idx]
    alt = renderer.renderInline(token.children or [], options, env) or "image"
    src = escapeHtml(token.attrGet("src") or "")
    return f'<a href="{src}">{alt}</a>'


_markdown.add_render_rule("image", _image_as_link)

_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


_SAFE_SCHEMES = ("http:", "https:", "mailto:")


def _vet_link(element: str, attribute: str, value: str) -> str | None:
    """A href whose first segment has a colon but no safe scheme ("java%09script:...") is
    dropped even though browsers would read it as a relative path: nothing ambiguous stays."""
    if attribute == "href":
        first = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if ":" in first and not value.lower().startswith(_SAFE_SCHEMES):
            return None
    return value


def render_markdown(source: str) -> str:
    html = _markdown.render(source or "")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
        attribute_filter=_vet_link,
    )
