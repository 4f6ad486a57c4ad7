"""Baked badge images (OB 3.0, "Baking", SVG): the credential's JSON inside the image, in an
``<openbadges:credential>`` element right after the ``<svg>`` tag, wrapped in CDATA."""

import json
import re
from xml.sax.saxutils import escape

NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
_CREDENTIAL = re.compile(
    r"<openbadges:credential(?:\s[^>]*)?>\s*<!\[CDATA\[(.*?)\]\]>\s*</openbadges:credential>",
    re.DOTALL,
)


def bake_svg(document: dict, *, code: str, title: str) -> str:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    # "]]>" would end the CDATA section: split it across two sections.
    cdata = text.replace("]]>", "]]]]><![CDATA[>")
    label = escape(title, {'"': "&quot;"})
    text_style = 'text-anchor="middle" font-family="sans-serif" fill="#ffffff"'
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{NAMESPACE}"'
            f' viewBox="0 0 512 512" role="img" aria-label="{label}">',
            f"<openbadges:credential><![CDATA[\n{cdata}\n]]></openbadges:credential>",
            f"<title>{escape(title)}</title>",
            '<circle cx="256" cy="256" r="240" fill="#1d4e89"/>',
            '<circle cx="256" cy="256" r="212" fill="none" stroke="#f2c14e" stroke-width="12"/>',
            f'<text x="256" y="250" {text_style} font-size="96" font-weight="bold">'
            f"{escape(code)}</text>",
            f'<text x="256" y="320" {text_style} font-size="28">Open Badge</text>',
            "</svg>",
            "",
        ]
    )


def unbake_svg(text: str) -> dict:
    """The credential baked into an SVG; ValueError when there is none (or more than one)."""
    found = _CREDENTIAL.findall(text)
    if len(found) != 1:
        raise ValueError("the image carries no credential (one <openbadges:credential> expected)")
    return json.loads(found[0].replace("]]]]><![CDATA[>", "]]>"))
