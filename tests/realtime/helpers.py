"""Signing in over HTTP and opening /console sockets against a live server, for the realtime tests."""

from __future__ import annotations

import queue
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import socketio

from tests.support.html import csrf_from
from tests.support.live_server import LiveServer, copy_sqlite, server_env

CONSOLE = "/console"
ADMIN = ("admin@demo.shop", "demo-admin-password")
BEA = ("bea@demo.shop", "demo-agent-password")
CHRIS = ("chris@demo.shop", "demo-agent-password")
DANA = ("dana@demo.shop", "demo-agent-password")
WAIT = 5.0  # W4: a revoked socket must learn of it within 5 s
OWN = object()  # origin=OWN: the server's own origin, as the console page would send it

# Every live server in these tests: no rate limits (many sign-ins from 127.0.0.1), one shop origin.
SERVER_SETTINGS = {"HELPDESK_RATE_LIMITS": "off", "HELPDESK_ALLOWED_ORIGINS": "http://shop.test"}


def copy_database(template_db: Path, data_dir: Path, **extra: str) -> dict:
    """A private copy of an already migrated and seeded SQLite file; returns the server env."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / "helpdesk.db"
    copy_sqlite(template_db, target)
    return server_env(data_dir, f"sqlite:///{target}", **{**SERVER_SETTINGS, **extra})


def start_server(env: dict, log_path: Path) -> LiveServer:
    """Start gunicorn with its output in log_path (read it when a test fails).

    No control socket: gunicorn 27 puts it at one fixed path (~/.gunicorn/gunicorn.ctl),
    shared by every server started in parallel, here and in other test runs.
    """
    return LiveServer(env, log_path=log_path).start()


@dataclass
class ConsoleSession:
    """A signed-in console over HTTP: the requests session and the page's CSRF token."""

    base_url: str
    http: requests.Session
    csrf_token: str

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

    def post(self, path: str, data: dict | None = None) -> requests.Response:
        """POST a console form with the CSRF token; redirects are not followed."""
        return self.http.post(
            self.base_url + path, data={**(data or {}), "csrf_token": self.csrf_token},
            allow_redirects=False, timeout=10,
        )

    def sign_out(self) -> requests.Response:
        return self.post("/console/logout")

    def close(self) -> None:
        self.http.close()


def _post_login(http: requests.Session, base_url: str, email: str, password: str) -> requests.Response:
    token = csrf_from(http.get(base_url + "/console/login", timeout=10).text)
    return http.post(
        base_url + "/console/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False, timeout=10,
    )


def sign_in(base_url: str, email: str, password: str) -> ConsoleSession:
    """Sign in through the real form and take the CSRF token of the console page.

    The token on the login page dies with the pre-login session (sign-in starts a new one),
    so the socket's token comes from the first console page, as in the browser.
    """
    http = requests.Session()
    try:
        response = _post_login(http, base_url, email, password)
        assert response.status_code == 302, (response.status_code, response.text[:500])
        page = http.get(base_url + "/console/", allow_redirects=False, timeout=10)
        assert page.status_code == 200, page.status_code
        return ConsoleSession(base_url, http, csrf_from(page.text))
    except BaseException:
        http.close()
        raise


def sign_in_status(base_url: str, email: str, password: str) -> int:
    """The status of a sign-in attempt (302 signed in, 401 refused), session discarded."""
    with requests.Session() as http:
        return _post_login(http, base_url, email, password).status_code


def agent_row(admin: ConsoleSession, email: str) -> tuple[int, str]:
    """(id, status badge) of an agent, read from Settings › Agents as the admin sees it."""
    page = admin.http.get(admin.base_url + "/console/settings/agents", timeout=10).text
    row = re.search(rf'<tr data-agent-row="{re.escape(email)}">(.*?)</tr>', page, re.S)
    assert row, f"{email} not on the agents page"
    agent_id = re.search(r"/console/settings/agents/(\d+)/", row.group(1))
    status = re.search(r'<span class="badge[^"]*">([^<]+)</span>', row.group(1))
    return int(agent_id.group(1)), status.group(1)


def deactivate(admin: ConsoleSession, agent_id: int) -> requests.Response:
    return admin.post(f"/console/settings/agents/{agent_id}/deactivate")


class Events:
    """Records the server → client events of one socket, to wait on them with a deadline."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()

    def put(self, name: str, data=None) -> None:
        self._queue.put((name, data))

    def wait_for(self, *names: str, timeout: float = WAIT) -> tuple[str, object]:
        """The first recorded event among names; AssertionError after timeout (events are consumed)."""
        try:
            while True:
                name, data = self._queue.get(timeout=timeout)
                if name in names:
                    return name, data
        except queue.Empty:
            raise AssertionError(f"none of {names} within {timeout}s") from None


class ConsoleClient(socketio.Client):
    """socketio.Client that lets Engine.IO's write loop go idle before it disconnects.

    python-engineio's polling write loop stops when it sees state != "connected"; if the POST
    of the namespace CONNECT packet is still in flight when a refusal makes connect() call
    disconnect(), the CLOSE packet is never sent and disconnect() waits for the server's next
    ping (25 s) to end the pending long-poll. Waiting (bounded) for the queue to drain first
    closes that window.
    """

    def disconnect(self):
        eio = self.eio
        deadline = time.monotonic() + 2
        while (
            eio.state == "connected" and eio.write_loop_task is not None
            and eio.queue.unfinished_tasks and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        super().disconnect()


def connect_console(
    base_url: str,
    session: ConsoleSession | None,
    *,
    origin=OWN,
    transport: str = "websocket",
    auth: dict | None = None,
    cookie: str | None = None,
) -> tuple[socketio.Client, Events]:
    """A socket on /console with the session cookie and CSRF token (override with auth/cookie).

    origin: OWN (the server's own), None (no Origin header at all) or an origin string.
    Raises socketio.exceptions.ConnectionError when the server refuses.
    """
    origin = base_url if origin is OWN else origin
    headers = {}
    cookie = cookie if cookie is not None else (session.cookie_header if session else None)
    if cookie:
        headers["Cookie"] = cookie
    if transport == "websocket":
        # websocket-client adds an Origin of its own; a second one in headers would be joined
        # into "a,b" by the server, so the origin goes through its options instead.
        ws_options = {"origin": origin} if origin else {"suppress_origin": True}
    else:
        ws_options = {}
        if origin:
            headers["Origin"] = origin
    client = ConsoleClient(reconnection=False, websocket_extra_options=ws_options)
    events = Events()
    for name in ("session_revoked", "error"):
        client.on(name, lambda data=None, _name=name: events.put(_name, data), namespace=CONSOLE)
    client.on("disconnect", lambda *reason: events.put("disconnect", reason), namespace=CONSOLE)
    if auth is None and session is not None:
        auth = {"csrf_token": session.csrf_token}
    try:
        client.connect(
            base_url, headers=headers, auth=auth, transports=[transport], namespaces=[CONSOLE], wait_timeout=5
        )
    except BaseException:
        client.disconnect()
        raise
    return client, events


@contextmanager
def console_socket(base_url: str, session: ConsoleSession | None, **kwargs):
    """connect_console as a context manager that always disconnects."""
    client, events = connect_console(base_url, session, **kwargs)
    try:
        yield client, events
    finally:
        client.disconnect()


def get_session(client: socketio.Client) -> dict:
    """The ack of get_session: who this socket belongs to."""
    return client.call("get_session", namespace=CONSOLE, timeout=WAIT)


def assert_refused(client: socketio.Client, events: Events) -> str:
    """Send get_session and expect refusal within 5 s: an `error` {code: unauthorized} and then a
    disconnect, or only the disconnect (with Redis the error travels through the queue and can
    lose the race). Returns the first of the two that arrived."""
    acks: queue.Queue = queue.Queue()
    if client.connected and CONSOLE in client.namespaces:
        client.emit("get_session", namespace=CONSOLE, callback=lambda *data: acks.put(data))
    first, data = events.wait_for("error", "disconnect")
    if first == "error":
        assert data["code"] == "unauthorized", data
        events.wait_for("disconnect")
    answers = []
    while not acks.empty():
        answers.append(acks.get())
    # An empty ack is python-socketio acknowledging a handler that returned None; data is a leak.
    assert not [a for a in answers if a], f"the revoked socket was answered: {answers}"
    return first


def close_client(client: socketio.Client) -> None:
    """Disconnect, and close the WebSocket too: python-engineio leaves it open when the server
    dropped the connection (a transport error), which would leave its socket to the garbage
    collector (a ResourceWarning)."""
    ws = getattr(client.eio, "ws", None)
    client.disconnect()
    if ws is not None:
        ws.shutdown()  # close() returns early, socket open, once websocket-client saw the drop
