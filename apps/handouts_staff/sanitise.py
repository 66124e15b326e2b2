"""Markdown to safe HTML: markdown-it-py with raw HTML off, then a standard-library allow-list pass.

The renderer already escapes any HTML in the source and refuses script-like link targets; the
allow-list pass is the second line: only the tags and attributes Markdown itself produces get
through, links only to http(s), mailto, tel or within the site. (nh3 would do this pass, but its
extension alone is larger than this worker's bundle budget; see docs/dependencies.md.)
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "s",
}
_VOID = {"br", "hr"}
_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "template"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}, "code": {"class"}}
_SAFE_VALUE = {
    "href": re.compile(r"^(?:https?:|mailto:|tel:|#|/(?!/))", re.IGNORECASE),
    "style": re.compile(r"^text-align:(?:left|right|center)$"),
    "class": re.compile(r"^language-[A-Za-z0-9_+-]{1,30}$"),
    "start": re.compile(r"^\d{1,6}$"),
    "title": re.compile(r"^[^<>]{0,200}$"),
}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def render(markdown: str) -> str:
    """Sanitised HTML for a handout body."""
    return clean(_markdown.render(markdown))


def clean(markup: str) -> str:
    cleaner = _AllowList()
    cleaner.feed(markup)
    cleaner.close()
    return "".join(cleaner.out)


class _AllowList(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_WITH_CONTENT:
            self.dropping += 1
        if self.dropping or tag not in _TAGS:
            return
        kept = [
            f' {name}="{html.escape(value, quote=True)}"'
            for name, value in attrs
            if value is not None and name in _ATTRIBUTES.get(tag, ()) and _SAFE_VALUE[name].match(value)
        ]
        if tag == "a":
            kept.append(' rel="noopener noreferrer"')
        self.out.append(f"<{tag}{''.join(kept)}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if not self.dropping and tag in _TAGS and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))
