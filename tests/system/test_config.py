"""Configuration comes from the environment, read when the app is created."""

import pytest

from app import create_app
from config import DEFAULT_SECRET_KEY, DevelopmentConfig, ProductionConfig, config_from_env, normalise_database_url


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_accepts_a_real_secret_and_secures_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    app = create_app(ProductionConfig)
    assert app.config["SECRET_KEY"] != DEFAULT_SECRET_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HELPDESK_ALLOWED_ORIGINS", "https://shop.example/, https://www.shop.example")
    monkeypatch.setenv("HELPDESK_RATE_LIMITS", "off")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    config = DevelopmentConfig()
    assert config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'helpdesk.db'}"
    assert config.HELPDESK_ALLOWED_ORIGINS == ["https://shop.example", "https://www.shop.example"]
    assert config.RATELIMIT_ENABLED is False
    assert config.HELPDESK_JOBS == "redis" and config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize("url,expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_use_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "staging")
    with pytest.raises(RuntimeError, match="HELPDESK_ENV"):
        config_from_env()
