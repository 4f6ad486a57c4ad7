"""WSGI entry point: `gunicorn lms.wsgi:app` (and `flask --app lms.wsgi`)."""

import sys

from lms import create_app
from lms.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"configuration error: {error}")
