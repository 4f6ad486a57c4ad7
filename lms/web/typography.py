"""French pages leave with French typography: lessons, questions, feedback and the interface
strings all pass through here, whatever rendered them (see ``lms.typography``)."""

import re

from flask import Flask, Response
from flask_babel import get_locale

from lms.typography import french_html

_PAGE_LANGUAGE = re.compile(r"<html\b[^>]*\blang=\"([A-Za-z-]+)\"")


def apply_french_typography(response: Response) -> Response:
    if response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed:
        return response
    html = response.get_data(as_text=True)
    # A whole page says its language (a record may be in another one than the reader's);
    # a fragment is in the reader's.
    declared = _PAGE_LANGUAGE.search(html, 0, 2000)
    language = declared.group(1) if declared else str(get_locale())
    if language.split("-")[0].lower() != "fr":
        return response
    typeset = french_html(html)
    if typeset != html:
        response.set_data(typeset)
    return response


def init_app(app: Flask) -> None:
    app.after_request(apply_french_typography)
