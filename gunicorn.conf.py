"""Gunicorn settings for the web server (`gunicorn --config gunicorn.conf.py lms.wsgi:app`).

The application's own settings are LMS_* environment variables (README, Configuration); these
are the server's: PORT and WEB_CONCURRENCY may be set in the environment."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# Threads: a live session's event stream holds one while it waits for the next change (no
# database connection meanwhile); each worker serves at most LMS_LIVE_STREAMS of them (the
# application's setting; past it phones poll), and 16 more threads serve every other request.
worker_class = "gthread"
threads = int(os.environ.get("LMS_LIVE_STREAMS", "64")) + 16
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Trust X-Forwarded-* (HTTPS, client address) only from the reverse proxy on this host.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
