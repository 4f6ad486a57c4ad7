"""WSGI entry point: `gunicorn wsgi:app` (and `flask --app wsgi`)."""

import sys

from lms import create_app
from lms.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"configuration error: {error}")
