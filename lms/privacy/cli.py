"""flask privacy: the commands that apply the GDPR rights and retention periods."""

from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="Personal data: retention periods and erasure.")
