"""gunicorn settings for `make run` and production: one process, many threads (threading mode).

Socket.IO needs sticky sessions, which gunicorn cannot give across its own workers, so scale
out by running several of these behind a load balancer with REDIS_URL set (docs/deployment.md).
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = 1
# gevent by default (docs/deployment.md says why); HELPDESK_WORKER=gthread runs the threaded worker.
worker_class = os.environ.get("HELPDESK_WORKER", "gevent")
if worker_class == "gevent":
    worker_connections = int(os.environ.get("HELPDESK_CONNECTIONS", "5000"))
else:
    threads = int(os.environ.get("HELPDESK_THREADS", "64"))
# Long-polling and WebSocket connections stay open; the timeout is for stuck workers only.
timeout = 120
graceful_timeout = 10
accesslog = None  # the app writes its own structured access log
# gunicorn 27's control socket has one fixed path per user: several instances on one machine
# (the scale-out layout) would fight over it. Nothing here uses it.
control_socket_disable = True
# The longest request line taken (gunicorn's largest): search filters and ?email= fit with room to
# spare; anything longer is refused with 414 before it reaches the app.
limit_request_line = 8190


def post_worker_init(worker):
    """Start the in-process scheduler (only when jobs run in-process, i.e. without Redis), then
    take everything loaded so far out of the garbage collector's sight."""
    import gc

    from app.jobs.scheduler import start_in_process

    start_in_process(worker.wsgi)
    # A full collection walks every long-lived object, and under gevent nothing else runs while it
    # does: with the app's modules in view, each one paused every socket for ~190 ms (bench/chat.py
    # saw them as its p99). Frozen objects are never collected, and the app's modules are for life.
    gc.collect()
    gc.freeze()
