"""Lesson Markdown to safe HTML: CommonMark + tables, raw HTML off, then an allow-list sanitiser."""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

# Raw HTML is off: a trainer's "<b>" shows as text, it never reaches the page as markup.
_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "img",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"

_WORD = re.compile(r"\w+(?:[’'-]\w+)*")


def sanitise_html(fragment: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes; drop scripts with content."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """Render Markdown to sanitised HTML, ready to be shown as is."""
    return sanitise_html(_PARSER.render(source))


def plain_text(source: str) -> str:
    """The visible text of a Markdown source, without markup."""
    return html.unescape(nh3.clean(_PARSER.render(source), tags=set()))


def count_words(source: str) -> int:
    """Words a reader sees (``l'apprenti`` and ``Erasmus+`` count once)."""
    return len(_WORD.findall(plain_text(source)))


def raw_html_lines(source: str) -> list[int]:
    """Lines (1-based) where the source contains raw HTML, which the renderer shows as text."""
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    lines: list[int] = []
    for token in parser.parse(source):
        if token.type == "html_block" and token.map:
            lines.append(token.map[0] + 1)
        elif token.type == "inline" and token.map and token.children:
            inline_html = any(child.type == "html_inline" for child in token.children)
            if inline_html:
                lines.append(token.map[0] + 1)
    return lines


def first_block(source: str) -> tuple[str, int, int]:
    """Type, heading level (0 if none) and line of the first block of the document."""
    for token in _PARSER.parse(source):
        if token.nesting == 1 or token.type in {"fence", "code_block", "hr"}:
            level = int(token.tag[1]) if token.type == "heading_open" else 0
            line = token.map[0] + 1 if token.map else 1
            return token.type, level, line
    return "", 0, 1
