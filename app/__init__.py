"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import DEFAULT_SECRET_KEY, Config, config_from_env


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the app: config, extensions, blueprints, socket namespaces, CLI. No I/O here."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object((config_class or config_from_env())())
    app.config.update(overrides)
    _check_config(app)

    from app import logging_setup, request_input

    logging_setup.init_app(app)
    request_input.init_app(app)  # input is normalised before anything reads it
    if app.config["HELPDESK_PROXY_HOPS"]:
        hops = app.config["HELPDESK_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _init_extensions(app)
    _register_blueprints(app)

    from app import errors, security_headers

    errors.init_app(app)
    security_headers.init_app(app)

    from app.chat.events import ChatNamespace
    from app.console.events import ConsoleNamespace
    from app.extensions import socketio

    socketio.on_namespace(ConsoleNamespace("/console"))
    socketio.on_namespace(ChatNamespace("/chat"))

    from app import cli

    cli.init_app(app)
    return app


def _check_config(app: Flask) -> None:
    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] in (None, "", DEFAULT_SECRET_KEY):
        raise RuntimeError("Set SECRET_KEY in the environment: production refuses the default key.")


def _init_extensions(app: Flask) -> None:
    from app import auth, jobs, realtime_setup, uploads
    from app.database import configure_engine, engine_options
    from app.extensions import api, csrf, db, limiter, login_manager, migrate

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    # Batch mode lets later migrations alter SQLite tables (it has no ALTER COLUMN).
    migrations = str(Path(app.root_path).parent / "migrations")
    migrate.init_app(app, db, directory=migrations, render_as_batch=True, compare_type=True)
    uploads.init_app(app)  # before CSRF: an upload form's larger limit must hold when its check reads the form
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_login(app, login_manager)
    from app.api.schemas import ErrorSchema

    api.ERROR_SCHEMA = ErrorSchema  # document the error body app/errors.py really sends
    api.init_app(app)
    realtime_setup.init_app(app)
    jobs.init_app(app)
    from app.services.knowledge import index_sync
    from app.services.tickets import audiences
    from app.services.tickets.sla import targets

    index_sync.init_app(app)  # the search index follows every commit that touches an article
    targets.install()  # every ticket's SLA targets follow its changes, whoever makes them
    audiences.install()  # and its lifecycle views follow its requester's stage and cart


def _register_blueprints(app: Flask) -> None:
    from app.api import init_api
    from app.auth import bp as auth_bp
    from app.console import bp as console_bp
    from app.customers import bp as customers_bp
    from app.extensions import api
    from app.help_center import bp as help_bp
    from app.inbox import bp as inbox_bp
    from app.store_webhooks import bp as store_webhooks_bp
    from app.system import bp as system_bp
    from app.tickets import bp as tickets_bp
    from app.visitors import bp as visitors_bp
    from app.widget import bp as widget_bp

    app.register_blueprint(system_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(customers_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(visitors_bp)
    app.register_blueprint(help_bp)
    app.register_blueprint(widget_bp)
    app.register_blueprint(store_webhooks_bp)
    init_api(api)
