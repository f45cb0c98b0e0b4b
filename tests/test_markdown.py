"""User text becomes safe HTML: Markdown (markdown-it-py), then sanitized (nh3)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from board.text import render_markdown

ALLOWED_TAGS = {
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
ALLOWED_ATTRIBUTES = {"href", "title", "rel", "start"}
SAFE_SCHEMES = ("http:", "https:", "mailto:")

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](java&#x09;script:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript&colon;alert(1))",
    "<javascript:alert(1)>",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![pic](javascript:alert(1))",
    '![pic" onerror="alert(1)](http://x.example/a.png)',
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="jav&#x0A;ascript:alert(1)">',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<a href="javascript:alert(1)">raw link</a>',
    '<a href="https://ok.example" onclick="alert(1)">raw link</a>',
    '<div style="background:url(javascript:alert(1))">styled</div>',
    "<style>body{display:none}</style>",
    "<details open ontoggle=alert(1)>",
    '<form action="https://evil.example"><input name=x></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '[a](http://x.example "title\\" onmouseover=alert(1)")',
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "> <script>alert(1)</script>",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    "<p onmouseover=alert(1)>hover</p>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '"><script>alert(1)</script>',
    "[x](file:///etc/passwd)",
]


class Inspector(HTMLParser):
    """Collects every element and attribute of a piece of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def inspect(html: str) -> list[tuple[str, dict]]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.tags


def assert_inert(html: str) -> None:
    """Nothing in `html` can run script, load anything or leave the allowed vocabulary."""
    for tag, attrs in inspect(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        assert set(attrs) <= ALLOWED_ATTRIBUTES, (tag, attrs, html)
        href = attrs.get("href")
        if href is not None:
            scheme_part = href.split("/", 1)[0].split("?", 1)[0]
            assert ":" not in scheme_part or href.lower().startswith(SAFE_SCHEMES), href
        if tag == "a":
            assert attrs.get("rel") == "noopener nofollow", (attrs, html)


@pytest.mark.parametrize("source", XSS_VECTORS)
def test_xss_vectors_render_inert(source):
    assert_inert(render_markdown(source))


def test_markdown_still_works():
    html = render_markdown("**bold** _em_ `code`\n\n- one\n- two\n\n> quote\n\n~~gone~~")
    for fragment in (
        "<strong>bold</strong>",
        "<em>em</em>",
        "<code>code</code>",
        "<li>one</li>",
        "<blockquote>",
        "<s>gone</s>",
    ):
        assert fragment in html


def test_links_get_noopener_nofollow():
    html = render_markdown("[our site](https://example.com) and <https://example.org>")
    anchors = [attrs for tag, attrs in inspect(html) if tag == "a"]
    assert [a["href"] for a in anchors] == ["https://example.com", "https://example.org"]
    assert all(a["rel"] == "noopener nofollow" for a in anchors)


def test_raw_html_is_shown_as_text_not_markup():
    html = render_markdown("<b>hi</b> <script>alert(1)</script>")
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "&lt;b&gt;" in html


def test_images_become_links_so_nobody_is_tracked():
    html = render_markdown("![chart](https://x.example/pixel.png)")
    assert "<img" not in html
    assert inspect(html) == [
        ("p", {}),
        ("a", {"href": "https://x.example/pixel.png", "rel": "noopener nofollow"}),
    ]


def test_empty_and_missing_text():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


# ---- through the API: idea bodies, edits and comments ----------------------------------------


@pytest.mark.parametrize("source", XSS_VECTORS[::3])
def test_idea_bodies_and_comments_come_back_inert(member, other_member, source):
    idea = member.post("ideas", json={"title": "Vector", "body": source})
    assert idea.status_code == 201
    assert idea.get_json()["body"] == source  # the source is kept as written
    assert_inert(idea.get_json()["body_html"])
    idea_id = idea.get_json()["id"]
    assert_inert(member.get(f"ideas/{idea_id}").get_json()["body_html"])
    edited = member.patch(f"ideas/{idea_id}", json={"body": source + "\n\n" + source})
    assert_inert(edited.get_json()["body_html"])
    comment = other_member.post(f"ideas/{idea_id}/comments", json={"body": source})
    assert comment.status_code == 201
    assert_inert(comment.get_json()["body_html"])
    for listed in member.get(f"ideas/{idea_id}/comments").get_json():
        assert_inert(listed["body_html"])
    for envelope in member.get("events?after=0").get_json()["items"]:
        for kind in ("idea", "comment"):
            if kind in envelope["data"]:
                assert_inert(envelope["data"][kind]["body_html"])
