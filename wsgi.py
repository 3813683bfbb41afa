"""WSGI entry point: `gunicorn wsgi:app`; `python wsgi.py` serves with the development server."""

import os

from app import create_app
from app.extensions import socketio

app = create_app()

if __name__ == "__main__":
    from app.jobs.scheduler import start_in_process

    start_in_process(app)
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
                 allow_unsafe_werkzeug=True)
