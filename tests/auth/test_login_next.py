"""The sign-in's `next=` as an attacker writes it: raw query strings with control characters,
encoded slashes and schemes. Each must land on the console home with a 302, never a 500 and never
a Location a browser would read as another site."""

from __future__ import annotations

import pytest

from tests.conftest import AGENT_PASSWORD

HOME = "/console/"

# Raw (still percent-encoded) query-string values, as they would sit in a link sent to an agent.
HOSTILE = [
    "/%09/evil.example",  # a tab: browsers drop it, "/\t/evil" becomes "//evil"
    "/%0d%0a/x",  # CR LF: werkzeug refuses it in a header (was a 500 after the session was made)
    "/%0a/evil.example", "/%0d/evil.example", "/%00/evil.example", "/%0b/evil.example", "/%7f/evil.example",
    "%2F%2Fevil.example",  # "//evil.example", protocol-relative
    "//evil.example", "///evil.example", "/%2F/evil.example", "/%252F/evil.example", "/%5cevil.example",
    "/%5C/evil.example", "/%255C/evil.example", "%5C%5Cevil.example",
    "https://evil.example", "HTTPS://evil.example/console/", "https:/evil.example", "//evil.example@x/",
    "java%09script:alert(1)", "javascript:alert(1)", "%20//evil.example", "/%20/evil.example",
    "/%C2%A0/evil.example",  # U+00A0, a Unicode space
    "/%E3%80%80/evil.example",  # U+3000, ideographic space
    "/%C2%85/evil.example",  # U+0085, a C1 control
    "evil.example", "", "%ED%A0%80",
]


def sign_in(auth, agent, raw_next: str):
    """POST the sign-in form with `next` exactly as given in the raw query string."""
    token = auth.csrf()
    return auth.client.post(f"/console/login?next={raw_next}",
                            data={"email": agent.email, "password": AGENT_PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("raw_next", HOSTILE)
def test_a_hostile_next_lands_on_the_console_home(make_agent, auth, raw_next):
    response = sign_in(auth, make_agent(), raw_next)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"] == HOME


@pytest.mark.parametrize(("raw_next", "location"), [
    ("/console/tickets?view=mine", "/console/tickets?view=mine"),
    ("%2Fconsole%2Ftickets%3Fview%3Dmine", "/console/tickets?view=mine"),  # as Flask-Login writes it
    ("%2Fconsole%2Ftickets%3Fq%3Dcaf%25C3%25A9%2Bmug", "/console/tickets?q=caf%C3%A9+mug"),
    ("/console/settings/agents", "/console/settings/agents"),
])
def test_a_plain_same_site_path_is_honoured(make_agent, auth, raw_next, location):
    response = sign_in(auth, make_agent("admin"), raw_next)
    assert response.status_code == 302 and response.headers["Location"] == location
