"""User text to safe HTML: Markdown by markdown-it-py, then sanitized by nh3 (Ammonia)."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from board.handles import MENTION

# Raw HTML in the source is escaped, never passed through; nh3 is the second wall.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
_markdown.enable("strikethrough").enable("table")


# The board's own pictures (board/images.py), and nothing else, are shown as pictures.
OWN_IMAGE = re.compile(r"^/images/[0-9]{1,10}$")

# Markdown's marks, for plain_text (static/js/render.js `excerpt` has the same).
_IMAGE_MARK = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LIST_ITEM = re.compile(r"^\s*(?:[-+*]|\d+\.)\s+", re.MULTILINE)
_MARKDOWN_NOISE = re.compile(r"[*_`>#~\[\]]|\(https?://[^)]*\)")


def plain_text(source: str | None) -> str:
    """Markdown as one line of plain words, for an excerpt (a card, the inbox, a mail):
    marks dropped, list items joined with "·", pictures left out (they are no words)."""
    plain = _IMAGE_MARK.sub("", source or "")
    plain = _MARKDOWN_NOISE.sub("", _LIST_ITEM.sub("· ", plain))
    return " ".join(plain.split())


# Double quotation marks inside words that are themselves quoted become single ones, as
# both languages nest them: German „…‚…‘…“, English “…‘…’…”.
_INNER_QUOTES = str.maketrans({"\u201e": "\u201a", "\u201c": "\u2018", "\u201d": "\u2019"})


def inner_quotes(text: str) -> str:
    """Words about to be put in quotation marks, their own double marks made single."""
    return text.translate(_INNER_QUOTES)


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    # Pictures from elsewhere would let an author track readers (and the CSP blocks them):
    # such an image becomes a plain link with its alt text, and nh3 still vets the address.
    # An image uploaded to the board is shown, lazily, with its alt text.
    token = tokens[idx]
    src = token.attrGet("src") or ""
    if OWN_IMAGE.match(src):
        alt = escapeHtml(renderer.renderInlineAsText(token.children or [], options, env))
        return f'<img src="{src}" alt="{alt}" loading="lazy">'
    alt = renderer.renderInline(token.children or [], options, env) or "image"
    return f'<a href="{escapeHtml(src)}">{alt}</a>'


_markdown.add_render_rule("image", _image_as_link)


def _link_mentions(state) -> None:
    """@handle of a known person becomes a link to them; never inside code or a link."""
    known = state.env.get("handles")
    if not known:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, inside_link = [], 0
        for token in block.children:
            if token.type == "link_open":
                inside_link += 1
            elif token.type == "link_close":
                inside_link -= 1
            if token.type != "text" or inside_link or "@" not in token.content:
                children.append(token)
                continue
            children.extend(_split_mentions(state, token, known))
        block.children = children


def _split_mentions(state, token, known: set[str]) -> list:
    pieces, position, text = [], 0, token.content
    for match in MENTION.finditer(text):
        handle = match.group(1).lower()
        if handle not in known:
            continue
        if match.start() > position:
            pieces.append(_text_token(state, text[position : match.start()]))
        opening = Token("link_open", "a", 1)
        opening.attrs = {"href": f"/people/{handle}", "title": f"@{handle}"}
        pieces += [opening, _text_token(state, match.group(0)), Token("link_close", "a", -1)]
        position = match.end()
    if position == 0:
        return [token]
    if position < len(text):
        pieces.append(_text_token(state, text[position:]))
    return pieces


def _text_token(state, content: str):
    token = Token("text", "", 0)
    token.content = content
    return token


_markdown.core.ruler.push("mentions", _link_mentions)

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
    "img",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "img": {"src", "alt", "loading"}}


_SAFE_SCHEMES = ("http:", "https:", "mailto:")


def _vet_link(element: str, attribute: str, value: str) -> str | None:
    """A href whose first segment has a colon but no safe scheme ("java%09script:...") is
    dropped even though browsers would read it as a relative path: nothing ambiguous stays."""
    if attribute == "src":
        return value if OWN_IMAGE.match(value) else None
    if attribute == "href":
        first = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if ":" in first and not value.lower().startswith(_SAFE_SCHEMES):
            return None
    return value


def render_markdown(source: str, handles: set[str] | None = None) -> str:
    """Safe HTML for user text; `@handle` of the people in `handles` become links."""
    html = _markdown.render(source or "", {"handles": handles or set()})
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
        attribute_filter=_vet_link,
    )
