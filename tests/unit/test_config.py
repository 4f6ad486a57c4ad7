"""Settings that locate files: they work from a checkout and from an installed wheel."""

import sys
from pathlib import Path

import pytest

from lms import config
from lms.config import ConfigError, load_config


def test_content_and_migrations_default_to_the_copies_inside_the_package():
    settings = load_config({})
    package = Path(config.__file__).resolve().parent
    assert settings["CONTENT_ROOT"] == package / "default_content"
    assert (settings["CONTENT_ROOT"] / "content" / "framework" / "competences.yaml").is_file()
    assert (settings["CONTENT_ROOT"] / "quizzes" / "C1.1.yaml").is_file()
    assert settings["MIGRATIONS_DIR"] == package / "migrations"
    assert (settings["MIGRATIONS_DIR"] / "env.py").is_file()


def test_each_location_has_its_own_variable(tmp_path):
    settings = load_config(
        {
            "LMS_INSTANCE_PATH": str(tmp_path / "var"),
            "LMS_CONTENT_ROOT": str(tmp_path / "content"),
            "LMS_MIGRATIONS_DIR": str(tmp_path / "migrations"),
        }
    )
    assert settings["INSTANCE_PATH"] == tmp_path / "var"
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'var' / 'lms.sqlite3'}"
    assert settings["UPLOAD_DIR"] == tmp_path / "var" / "uploads"
    assert settings["CONTENT_ROOT"] == tmp_path / "content"
    assert settings["MIGRATIONS_DIR"] == tmp_path / "migrations"


def test_the_instance_folder_is_beside_a_checkout_and_outside_site_packages(tmp_path, monkeypatch):
    checkout = tmp_path / "checkout"
    (checkout / "lms").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\n")
    monkeypatch.setattr(config, "PACKAGE_DIR", checkout / "lms")
    assert config.default_instance_path() == checkout / "instance"

    installed = tmp_path / "venv" / "lib" / "site-packages" / "lms"
    installed.mkdir(parents=True)
    monkeypatch.setattr(config, "PACKAGE_DIR", installed)
    assert config.default_instance_path() == Path(sys.prefix) / "var" / "lms-instance"


def test_production_refuses_to_start_without_its_public_url():
    production = {"LMS_ENV": "production", "LMS_SECRET_KEY": "k" * 64}
    with pytest.raises(ConfigError, match="LMS_BASE_URL"):
        load_config(production)
    with pytest.raises(ConfigError, match="LMS_BASE_URL"):
        load_config({**production, "LMS_BASE_IRI": "http://127.0.0.1:5000/xapi"})
    settings = load_config({**production, "LMS_BASE_URL": "https://lms.example.org/"})
    assert settings["BASE_URL"] == "https://lms.example.org"
    assert settings["BASE_IRI"] == "https://lms.example.org/xapi"
    kept = load_config(
        {
            **production,
            "LMS_BASE_URL": "https://new.example.org",
            "LMS_BASE_IRI": "https://old.example.org/xapi",
        }
    )
    assert kept["BASE_IRI"] == "https://old.example.org/xapi"
