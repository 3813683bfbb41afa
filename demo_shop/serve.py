"""`make run`: the helpdesk on PORT and the demo shop on DEMO_SHOP_PORT, in one gunicorn process.

demo_shop/gunicorn.conf.py binds both ports; each request goes to the app of the port it arrived
on. One process means one thing to start and stop, and the shop is still a different origin for
the browser (another port), so the widget works cross-origin exactly as on a real shop.
"""

from __future__ import annotations

import os

from app import create_app
from app.services.access import widget_identity
from config import config_from_env
from demo_shop import create_shop


def shop_origins(port: str) -> list[str]:
    """The demo shop's origins, which the helpdesk must allow to send browser events."""
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


class PortDispatcher:
    """WSGI middleware: requests that arrived on `port` go to `other`, the rest to `app`.

    gunicorn sets SERVER_PORT from the listening socket, not from the Host header, so a client
    cannot pick the app by sending another Host.
    """

    def __init__(self, app, port: str, other) -> None:
        self.app, self.port, self.other = app, str(port), other

    def __call__(self, environ, start_response):
        target = self.other if environ.get("SERVER_PORT") == self.port else self.app
        return target(environ, start_response)


def build():
    """The helpdesk app (what gunicorn's hooks see) with the demo shop mounted on its own port."""
    port = os.environ.get("PORT", "5000")
    shop_port = os.environ.get("DEMO_SHOP_PORT", "5001")
    # The demo shop is allowed on top of whatever HELPDESK_ALLOWED_ORIGINS says (make run only).
    origins = config_from_env()().HELPDESK_ALLOWED_ORIGINS + shop_origins(shop_port)
    helpdesk = create_app(HELPDESK_ALLOWED_ORIGINS=origins)

    def identity_secret() -> str:
        # A real shop keeps the secret in its own configuration (copied from Settings › Widget). The
        # demo runs next to the helpdesk, so it reads it through the helpdesk's service: rotating it
        # in Settings takes effect here at once.
        with helpdesk.app_context():
            return widget_identity.identity_secret().secret

    shop = create_shop(f"http://127.0.0.1:{port}", identity_secret)
    helpdesk.wsgi_app = PortDispatcher(helpdesk.wsgi_app, shop_port, shop.wsgi_app)
    return helpdesk


app = build()
