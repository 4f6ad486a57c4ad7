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
_TAG = re.compile(r"<!--.*?-->|<[A-Za-z/!?][^>]*>", re.DOTALL)
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
# Elements whose text is code, a script or what the user types: left exactly as it is.
_VERBATIM = frozenset({"code", "pre", "kbd", "samp", "script", "style", "textarea"})


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
    pieces = []
    verbatim: list[str] = []  # the open verbatim elements, innermost last
    done = 0
    for tag in _TAG.finditer(html):
        text = html[done : tag.start()]
        pieces.append(text if verbatim else french_text(text))
        pieces.append(tag.group())
        done = tag.end()
        name_match = _TAG_NAME.match(tag.group())
        if name_match is None:
            continue
        name = name_match.group(1).lower()
        if name not in _VERBATIM:
            continue
        if tag.group().startswith("</"):
            if name in verbatim:
                del verbatim[len(verbatim) - 1 - verbatim[::-1].index(name) :]
        elif not tag.group().endswith("/>"):
            verbatim.append(name)
    rest = html[done:]
    pieces.append(rest if verbatim else french_text(rest))
    return "".join(pieces)
