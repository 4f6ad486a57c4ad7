"""The forwarder's tuning is read from the environment, like every other setting."""

from dataclasses import replace

from lms import create_app
from lms.config import load_config
from lms.xapi.forwarder import ForwardSettings, settings_from

ENVIRONMENT = {
    "LMS_XAPI_FORWARD_BATCH": "7",
    "LMS_XAPI_FORWARD_TIMEOUT": "2.5",
    "LMS_XAPI_FORWARD_TRIES": "2",
    "LMS_XAPI_FORWARD_BACKOFF": "0.5",
    "LMS_XAPI_FORWARD_BACKOFF_CAP": "9",
    "LMS_XAPI_FORWARD_CLAIM_SECONDS": "30",
    "LMS_XAPI_FORWARD_IDLE": "0.25",
}


def test_forwarder_settings_come_from_the_environment(monkeypatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    settings = settings_from(app.config)
    # The pseudonymous actors' home page and key come from the application's own settings.
    assert settings.home_page == app.config["BASE_URL"] and len(settings.pseudonym_key) >= 32
    assert replace(settings, home_page="", pseudonym_key=b"") == ForwardSettings(
        batch_size=7,
        timeout=2.5,
        tries=2,
        backoff_base=0.5,
        backoff_cap=9.0,
        claim_seconds=30.0,
        idle_seconds=0.25,
    )


def test_without_the_variables_the_forwarder_keeps_its_defaults():
    settings = settings_from(load_config({}))
    assert replace(settings, home_page="", pseudonym_key=b"") == ForwardSettings()
