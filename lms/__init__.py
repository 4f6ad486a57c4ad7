"""Mobility-coach training engine: the Flask application factory."""

import sqlite3
from pathlib import Path

from flask import Flask, request, session
from flask_babel import get_locale, gettext
from flask_login import current_user
from jinja2 import ChoiceLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from lms.config import instance_secret_key, load_config
from lms.extensions import babel, csrf, db, login_manager, mail, migrate
from lms.i18n import N_
from lms.params import IdConverter
from lms.quiz import types
from lms.quiz.types.loader import QuestionTypeLoader


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application; ``overrides`` (tests) take precedence over the environment."""
    config = {**load_config(), **(overrides or {})}
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = instance_secret_key(Path(config["INSTANCE_PATH"]))
    app = Flask(__name__, instance_path=str(config["INSTANCE_PATH"]))
    app.config.update(config)

    if app.config["PROXY_COUNT"]:
        # The client's address and scheme as the configured proxies saw them, no one else's.
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _ensure_sqlite_directory(app.config["SQLALCHEMY_DATABASE_URI"])
    app.url_map.converters["int"] = IdConverter  # before any route is added
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config["MIGRATIONS_DIR"]), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    mail.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from lms.auth.policy import REVIEWERS, Role
    from lms.auth.views import load_user

    login_manager.user_loader(load_user)
    # Flashed messages are stored in the session, so translate when flashing, not lazily.
    login_manager.login_message = N_("Please log in to see this page.")
    login_manager.localize_callback = gettext

    _import_models()
    import lms.notify.dispatch  # noqa: F401 (its listeners send the notifications)

    _register_blueprints(app)
    _register_cli(app)
    _register_errors(app)

    from lms import formats
    from lms.web import request_log, security, typography

    formats.init_app(app)
    security.init_app(app)
    typography.init_app(app)
    request_log.init_app(app)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals.update(Role=Role, REVIEWERS=REVIEWERS)
    app.extensions["lms.question_types"] = types.QUESTION_TYPES
    app.jinja_loader = ChoiceLoader([app.jinja_loader, QuestionTypeLoader()])
    # `make run` forwards from a thread; production runs `flask xapi forward` on its own.
    if app.config["LRS_URL"] and not app.testing and app.config["LMS_ENV"] != "production":
        from lms.xapi.cli import forward_in_background

        forward_in_background(app)
    return app


def _ensure_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def select_locale() -> str:
    languages = ("fr", "en")
    if current_user and current_user.is_authenticated and current_user.language in languages:
        locale = current_user.language
    elif session.get("lang") in languages:
        locale = session["lang"]
    else:
        locale = request.accept_languages.best_match(languages) or "fr"
    return locale


def _import_models() -> None:
    """Every table must be in the metadata for Alembic and for the schema test."""
    import importlib

    for package in (
        "auth", "catalog", "quiz", "xapi", "delivery", "competence", "live", "credentials",
        "notify",
        "privacy",
    ):  # fmt: skip
        try:
            importlib.import_module(f"lms.{package}.models")
        except ModuleNotFoundError as error:
            if error.name != f"lms.{package}.models" and error.name != f"lms.{package}":
                raise


def _register_blueprints(app: Flask) -> None:
    from lms.admin.views import bp as admin_bp
    from lms.api import rest
    from lms.api.views import bp as api_bp
    from lms.auth.views import bp as auth_bp
    from lms.delivery.live import bp as coach_live_bp
    from lms.delivery.views import bp as delivery_bp
    from lms.notify.views import bp as notify_bp
    from lms.privacy.views import bp as privacy_bp
    from lms.trainer.live import bp as trainer_live_bp
    from lms.trainer.views import bp as trainer_bp
    from lms.web.credentials import bp as credentials_bp
    from lms.web.views import bp as web_bp

    for blueprint in (
        web_bp, auth_bp, admin_bp, api_bp, delivery_bp, coach_live_bp, trainer_bp, trainer_live_bp,
        credentials_bp,
        notify_bp,
        privacy_bp,
    ):  # fmt: skip
        app.register_blueprint(blueprint)
    rest.init_app(app)


def _register_cli(app: Flask) -> None:
    from lms.auth.cli import users_cli
    from lms.catalog.cli import content_cli
    from lms.cli import (
        backup,
        close_overdue_attempts,
        db_check,
        issue_missing_credentials,
        rebuild_records,
        restore,
        setup,
    )
    from lms.credentials.cli import credentials_cli
    from lms.demo import demo_cli
    from lms.notify.cli import notify_cli
    from lms.privacy.cli import privacy_cli
    from lms.quiz.cli import quiz_cli
    from lms.xapi.cli import xapi_cli

    for command in (
        users_cli,
        content_cli,
        quiz_cli,
        demo_cli,
        db_check,
        setup,
        close_overdue_attempts,
        backup,
        restore,
        xapi_cli,
        credentials_cli,
        notify_cli,
        privacy_cli,
    ):
        app.cli.add_command(command)
    # Under "flask credentials", though it reads the decisions the credentials layer cannot.
    credentials_cli.add_command(issue_missing_credentials)
    # Under "flask xapi", though it compares with the competence records xAPI cannot import.
    xapi_cli.add_command(rebuild_records)


def _register_errors(app: Flask) -> None:
    from werkzeug.exceptions import HTTPException

    from lms.api import rest
    from lms.errors import UserError
    from lms.web.views import render_error, render_unavailable, render_user_error

    def by_face(json_handler, page_handler):
        # Under /api/v1 every error is the API's JSON body; elsewhere an HTML page.
        def handler(error):
            return (json_handler if rest.is_api_request() else page_handler)(error)

        return handler

    app.register_error_handler(HTTPException, by_face(rest.http_error, render_error))
    app.register_error_handler(UserError, by_face(rest.user_error, render_user_error))
    app.register_error_handler(OperationalError, by_face(rest.unavailable, render_unavailable))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work while one writer commits.
    # In WAL mode, synchronous=NORMAL syncs at checkpoints instead of at every commit: the
    # database never corrupts, a power cut may lose the last commits; writers, which SQLite
    # serialises, no longer queue behind one disk flush each.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
