"""French typography at rendering time: no line break before ``: ; ? !`` or inside « ».

French sets a no-break space before the colon and a narrow no-break space before ``; ? !``
(Lexique des règles typographiques en usage à l'Imprimerie nationale), and no-break spaces
inside « ». Writers type ordinary spaces; these functions replace them where a reader sees the
text, never inside a tag (so never in an attribute), a URL or code."""

from __future__ import annotations

import re

NBSP = "\u00a0"
NNBSP = "\u202f"

_SPACE = f"[ {NBSP}{NNBSP}]"
_BEFORE_NARROW = re.compile(f"{_SPACE}+(?=[;?!])")
_BEFORE_COLON = re.compile(f"{_SPACE}+(?=:)")
_AFTER_OPENING = re.compile(f"«{_SPACE}*")
_BEFORE_CLOSING = re.compile(f"{_SPACE}*»")
_CANDIDATE = re.compile(f"{_SPACE}[:;?!]|[«»]")
_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:)\S+", re.IGNORECASE)

# A tag or a comment; a lone "<" in text (written "&lt;" by the templates anyway) is not one.
# Tags of elements whose text is code, a script or what the user types are told apart by name.
_TAG = re.compile(
    r"<!--.*?-->"
    r"|(?P<verbatim></?(?:code|pre|kbd|samp|script|style|textarea)(?![A-Za-z0-9-])[^>]*>)"
    r"|<[A-Za-z/!?][^>]*>",
    re.DOTALL | re.IGNORECASE,
)
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
_MARK = re.compile("[:;?!«»]")  # a text without any of these is left as it is


def french_text(text: str) -> str:
    """Plain text with French spacing; URLs in it are left alone."""
    pieces = []
    done = 0
    for url in _URL.finditer(text):
        pieces.append(_spaced(text[done : url.start()]))
        pieces.append(url.group())
        done = url.end()
    pieces.append(_spaced(text[done:]))
    return "".join(pieces)


def _spaced(text: str) -> str:
    if not any(mark in text for mark in ":;?!«»"):
        return text
    text = _BEFORE_NARROW.sub(NNBSP, text)
    text = _BEFORE_COLON.sub(NBSP, text)
    text = _AFTER_OPENING.sub("«" + NBSP, text)
    return _BEFORE_CLOSING.sub(NBSP + "»", text)


def french_html(html: str) -> str:
    """HTML with French spacing in its text: tags, attributes, comments and the content of
    code, pre, kbd, samp, script, style and textarea elements are kept as they are."""
    if not _CANDIDATE.search(html):
        return html
    pieces = []  # the html up to ``copied``, changed text included
    copied = 0
    verbatim: list[str] = []  # the open verbatim elements, innermost last
    done = 0
    for tag in _TAG.finditer(html):
        if not verbatim and _MARK.search(html, done, tag.start()):
            copied = _typeset(html, done, tag.start(), copied, pieces)
        done = tag.end()
        if tag.lastgroup != "verbatim":
            continue
        name = _TAG_NAME.match(tag.group()).group(1).lower()
        if tag.group().startswith("</"):
            if name in verbatim:
                del verbatim[len(verbatim) - 1 - verbatim[::-1].index(name) :]
        elif not tag.group().endswith("/>"):
            verbatim.append(name)
    if not verbatim and _MARK.search(html, done):
        copied = _typeset(html, done, len(html), copied, pieces)
    if not pieces:
        return html
    pieces.append(html[copied:])
    return "".join(pieces)


def _typeset(html: str, start: int, end: int, copied: int, pieces: list[str]) -> int:
    """Appends to ``pieces`` what changes in the text from ``start`` to ``end``; returns how
    far the html is now copied."""
    text = html[start:end]
    spaced = french_text(text)
    if spaced == text:
        return copied
    pieces += [html[copied:start], spaced]
    return end
