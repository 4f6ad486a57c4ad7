"""One JSON line per request on stderr (LMS_LOG_FORMAT=json), for log collectors."""

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request
from flask_login import current_user

log = logging.getLogger("lms.requests")
# A request id set by the reverse proxy is kept when it looks like one; otherwise we make one.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class StderrHandler(logging.Handler):
    """Writes to the current sys.stderr (which gunicorn and test runners may replace)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is None:
        return response
    response.headers["X-Request-ID"] = g.request_id
    line = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "user_id": current_user.id if current_user.is_authenticated else None,
        "request_id": g.request_id,
    }
    log.info(json.dumps(line, separators=(",", ":")))
    return response


def init_app(app: Flask) -> None:
    if app.config["LOG_FORMAT"] != "json":
        return
    if not any(isinstance(handler, StderrHandler) for handler in log.handlers):
        log.addHandler(StderrHandler())
    log.setLevel(logging.INFO)
    log.propagate = False
    app.before_request(_start)
    app.after_request(_log)
