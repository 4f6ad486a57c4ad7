"""Configuration: defaults, then LMS_* environment variables, then create_app overrides."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# Only used outside production: a fixed key would let anyone forge sessions in production.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me"  # noqa: S105


class ConfigError(RuntimeError):
    """The configuration cannot work; the message tells the operator what to set."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(environ: dict[str, str] | None = None) -> dict:
    """Build the configuration dict from the environment (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    lms_env = env.get("LMS_ENV", "development")
    production = lms_env == "production"
    secret_key = env.get("LMS_SECRET_KEY", "")
    if production and not secret_key:
        raise ConfigError(
            "LMS_SECRET_KEY is not set: refusing to start with LMS_ENV=production "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return {
        "LMS_ENV": lms_env,
        "SECRET_KEY": secret_key or DEVELOPMENT_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            env.get("LMS_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'lms.sqlite3'}")
        ),
        "BASE_IRI": env.get("LMS_BASE_IRI", "http://127.0.0.1:5000/xapi").rstrip("/"),
        "LRS_URL": env.get("LMS_LRS_URL", "").rstrip("/"),
        "LRS_USERNAME": env.get("LMS_LRS_USERNAME", ""),
        "LRS_PASSWORD": env.get("LMS_LRS_PASSWORD", ""),
        "LRS_SCOPE": env.get("LMS_LRS_SCOPE", "all"),
        "XAPI_VERSION": env.get("LMS_XAPI_VERSION", "1.0.3"),
        "CONTENT_ROOT": Path(env.get("LMS_CONTENT_ROOT", str(PROJECT_ROOT))),
        "UPLOAD_DIR": Path(env.get("LMS_UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))),
        "LOGIN_MAX_FAILURES": int(env.get("LMS_LOGIN_MAX_FAILURES", "10")),
        "LOGIN_WINDOW_MINUTES": int(env.get("LMS_LOGIN_WINDOW_MINUTES", "15")),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": env.get("LMS_TIMEZONE", "Europe/Paris"),
        "LANGUAGES": ("fr", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production or _bool(env.get("LMS_SECURE_COOKIES", "false")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production or _bool(env.get("LMS_SECURE_COOKIES", "false")),
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
