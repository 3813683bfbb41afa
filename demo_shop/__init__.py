"""A tiny demo shop on its own origin that embeds the helpdesk's /widget.js, as a real shop would.

`make run` serves it next to the helpdesk (demo_shop/serve.py); the browser tests use it too.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

ROOT = Path(__file__).resolve().parent


def _csp(helpdesk_url: str) -> str:
    """The shop's own Content-Security-Policy: the widget script, its requests and its chat frame go to the
    helpdesk."""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {helpdesk_url}",
        f"connect-src 'self' {helpdesk_url}",
        f"frame-src {helpdesk_url}",  # the widget's chat opens in an iframe served by the helpdesk
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def create_shop(helpdesk_url: str, identity_secret: Callable[[], str], *, secret_key: str | None = None) -> Flask:
    """The shop app. `identity_secret` returns the helpdesk's identity secret, which a real shop
    keeps in its server's configuration; `helpdesk_url` is where /widget.js is served."""
    from demo_shop.views import bp

    shop = Flask(__name__, root_path=str(ROOT), static_folder="static", template_folder="templates")
    shop.config.update(
        # A fresh key per start unless one is given: the demo's carts may be forgotten on restart.
        SECRET_KEY=secret_key or os.environ.get("DEMO_SHOP_SECRET_KEY") or secrets.token_hex(32),
        SESSION_COOKIE_NAME="demo_shop_session",  # cookies ignore ports: keep clear of the helpdesk's
        SESSION_COOKIE_SAMESITE="Lax",
        HELPDESK_URL=helpdesk_url.rstrip("/"),
        WTF_CSRF_TIME_LIMIT=None,
    )
    shop.extensions["demo_shop"] = {"identity_secret": identity_secret}
    CSRFProtect(shop)
    shop.register_blueprint(bp)
    shop.jinja_env.filters["money"] = lambda value: f"€{Decimal(value):,.2f}"
    policy = _csp(shop.config["HELPDESK_URL"])

    @shop.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response

    return shop
