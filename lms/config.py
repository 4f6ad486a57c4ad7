"""Configuration: defaults, then LMS_* environment variables, then create_app overrides."""

import os
import secrets
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The framework, modules and question banks shipped inside the package (content/ and quizzes/).
DEFAULT_CONTENT_ROOT = PACKAGE_DIR / "default_content"
DEFAULT_MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
LOG_FORMATS = ("text", "json")
SMTP_SECURITY = ("starttls", "ssl", "none")

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
# Outside production, without LMS_SECRET_KEY: a random key kept in the instance folder.
SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name)


class ConfigError(RuntimeError):
    """The configuration cannot work; the message tells the operator what to set."""


# Retention periods in days, per kind of data (reasons in docs/privacy.md).
RETENTION_DEFAULTS = {
    "TRAIL": "365",
    "ANSWERS": "730",
    "EVIDENCE": "1095",
    "RECORDS": "1825",
    "INACTIVE_ACCOUNTS": "1095",
}


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def default_instance_path() -> Path:
    """Flask's convention: ``instance/`` beside the package in a checkout, the virtual
    environment's ``var/lms-instance`` once installed (never inside site-packages)."""
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "instance"
    return Path(sys.prefix) / "var" / "lms-instance"


def load_config(environ: dict[str, str] | None = None) -> dict:
    """Build the configuration dict from the environment (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    lms_env = env.get("LMS_ENV", "development")
    production = lms_env == "production"
    secret_key = env.get("LMS_SECRET_KEY", "")
    instance = Path(env.get("LMS_INSTANCE_PATH") or default_instance_path()).absolute()
    if production and not secret_key:
        raise ConfigError(
            "LMS_SECRET_KEY is not set: refusing to start with LMS_ENV=production "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    base_url = env.get("LMS_BASE_URL", "").rstrip("/")
    base_iri = env.get("LMS_BASE_IRI", "").rstrip("/") or f"{base_url or DEFAULT_BASE_URL}/xapi"
    if production and (not base_url or base_iri.startswith(DEFAULT_BASE_URL)):
        raise ConfigError(
            "LMS_BASE_URL is not set: refusing to start with LMS_ENV=production, since every "
            "xAPI activity id, link and QR code derives from it (e.g. https://lms.example.org)"
        )
    log_format = env.get("LMS_LOG_FORMAT", "text")
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"LMS_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    smtp_host = env.get("LMS_SMTP_HOST", "")
    smtp_security = env.get("LMS_SMTP_SECURITY", "starttls")
    if smtp_security not in SMTP_SECURITY:
        raise ConfigError(f"LMS_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}")
    return {
        "LMS_ENV": lms_env,
        "LOG_FORMAT": log_format,
        # Empty: create_app reads (or creates) the instance folder's key, never a constant.
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            env.get("LMS_DATABASE_URL", f"sqlite:///{instance / 'lms.sqlite3'}")
        ),
        "BASE_URL": base_url or DEFAULT_BASE_URL,
        "BASE_IRI": base_iri,
        "LRS_URL": env.get("LMS_LRS_URL", "").rstrip("/"),
        "LRS_USERNAME": env.get("LMS_LRS_USERNAME", ""),
        "LRS_PASSWORD": env.get("LMS_LRS_PASSWORD", ""),
        "LRS_SCOPE": env.get("LMS_LRS_SCOPE", "all"),
        # mbox | mbox_sha1sum | account: how the LMS_LRS_URL endpoint receives people.
        "LRS_ACTOR": env.get("LMS_LRS_ACTOR", "mbox"),
        # Key of the pseudonymous account names; empty: derived from the secret key.
        "PSEUDONYM_KEY": env.get("LMS_PSEUDONYM_KEY", ""),
        "XAPI_VERSION": env.get("LMS_XAPI_VERSION", "1.0.3"),
        # The forwarder's tuning (lms.xapi.forwarder.ForwardSettings); the defaults suit production.
        "XAPI_FORWARD_BATCH": int(env.get("LMS_XAPI_FORWARD_BATCH", "100")),
        "XAPI_FORWARD_TIMEOUT": float(env.get("LMS_XAPI_FORWARD_TIMEOUT", "10")),
        "XAPI_FORWARD_TRIES": int(env.get("LMS_XAPI_FORWARD_TRIES", "4")),
        "XAPI_FORWARD_BACKOFF": float(env.get("LMS_XAPI_FORWARD_BACKOFF", "1")),
        "XAPI_FORWARD_BACKOFF_CAP": float(env.get("LMS_XAPI_FORWARD_BACKOFF_CAP", "60")),
        "XAPI_FORWARD_CLAIM_SECONDS": float(env.get("LMS_XAPI_FORWARD_CLAIM_SECONDS", "300")),
        "XAPI_FORWARD_IDLE": float(env.get("LMS_XAPI_FORWARD_IDLE", "2")),
        "INSTANCE_PATH": instance,
        "CONTENT_ROOT": Path(env.get("LMS_CONTENT_ROOT") or DEFAULT_CONTENT_ROOT),
        "MIGRATIONS_DIR": Path(env.get("LMS_MIGRATIONS_DIR") or DEFAULT_MIGRATIONS_DIR),
        "UPLOAD_DIR": Path(env.get("LMS_UPLOAD_DIR") or instance / "uploads"),
        # The issuer's signing keys (flask credentials keygen), outside the web root.
        "CREDENTIAL_KEY_DIR": Path(
            env.get("LMS_CREDENTIAL_KEY_DIR") or instance / "credential-keys"
        ),
        "LOGIN_MAX_FAILURES": int(env.get("LMS_LOGIN_MAX_FAILURES", "10")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(env.get("LMS_LOGIN_MAX_FAILURES_PER_ADDRESS", "50")),
        # Reverse proxies in front of the server whose X-Forwarded-* headers are trusted.
        "PROXY_COUNT": int(env.get("LMS_PROXY_COUNT", "0")),
        "LOGIN_WINDOW_MINUTES": int(env.get("LMS_LOGIN_WINDOW_MINUTES", "15")),
        # Flask-Mailman: SMTP when LMS_SMTP_HOST is set, else the log and <instance>/mail/.
        "MAIL_BACKEND": "smtp" if smtp_host else "lms.mailer.DevelopmentEmailBackend",
        "MAIL_SERVER": smtp_host,
        "MAIL_PORT": int(env.get("LMS_SMTP_PORT", "465" if smtp_security == "ssl" else "587")),
        "MAIL_USERNAME": env.get("LMS_SMTP_USERNAME") or None,
        "MAIL_PASSWORD": env.get("LMS_SMTP_PASSWORD") or None,
        "MAIL_USE_TLS": smtp_security == "starttls",
        "MAIL_USE_SSL": smtp_security == "ssl",
        "MAIL_TIMEOUT": float(env.get("LMS_SMTP_TIMEOUT", "10")),
        "MAIL_DEFAULT_SENDER": env.get("LMS_SMTP_SENDER", "Mobility coach LMS <noreply@localhost>"),
        "MAIL_REPLY_TO": env.get("LMS_SMTP_REPLY_TO", ""),
        "MAIL_FILE_PATH": str(Path(env.get("LMS_MAIL_DIR") or instance / "mail")),
        "INVITATION_DAYS": int(env.get("LMS_INVITATION_DAYS", "14")),
        "RESET_LINK_HOURS": int(env.get("LMS_RESET_LINK_HOURS", "2")),
        "LINK_REQUESTS_PER_HOUR": int(env.get("LMS_LINK_REQUESTS_PER_HOUR", "3")),
        "INACTIVE_DAYS": int(env.get("LMS_INACTIVE_DAYS", "14")),
        # A session ends after this long without a request (longer than any quiz's time
        # limit: autosave and live polling count as requests), and this long after the login.
        "SESSION_IDLE_MINUTES": int(env.get("LMS_SESSION_IDLE_MINUTES", "120")),
        "SESSION_LIFETIME_HOURS": int(env.get("LMS_SESSION_LIFETIME_HOURS", "12")),
        # REST API requests per minute of one token (or session), counted by each web process.
        "API_RATE_LIMIT": int(env.get("LMS_API_RATE_LIMIT", "300")),
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
        # Live sessions: server-sent event streams per web process (gunicorn's threads must
        # exceed it; past it screens poll), how long one lasts before the browser reconnects.
        "LIVE_STREAMS": int(env.get("LMS_LIVE_STREAMS", "64")),
        "LIVE_STREAM_SECONDS": float(env.get("LMS_LIVE_STREAM_SECONDS", "20")),
        "LIVE_STREAM_RETRY_MS": 1000,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # The privacy notice: the controller (the centre), where to exercise one's rights, the
        # data protection officer; retention periods in days (lms.privacy.retention).
        "PRIVACY_CONTROLLER": env.get("LMS_PRIVACY_CONTROLLER", ""),
        "PRIVACY_CONTACT": env.get("LMS_PRIVACY_CONTACT", ""),
        "PRIVACY_DPO": env.get("LMS_PRIVACY_DPO", ""),
        **{
            f"RETENTION_{kind}_DAYS": int(env.get(f"LMS_RETENTION_{kind}_DAYS", days))
            for kind, days in RETENTION_DEFAULTS.items()
        },
    }


def instance_secret_key(instance: Path) -> str:
    """The key kept in ``instance/secret_key`` (mode 0600), created at random on first start.

    Written under a temporary name and linked into place, so two processes starting together
    agree on one key."""
    path = instance / SECRET_KEY_FILE
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        temporary = instance / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"{path}: the secret key is shorter than 32 characters; delete the file")
    return key


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
