"""Browser hardening headers on every response: CSP without inline script, no framing, nosniff."""

from flask import Flask, Response, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _set_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    policy = headers["Content-Security-Policy"]
    if "frame-ancestors" not in policy or "frame-ancestors 'none'" in policy:
        # A view that lets named origins frame it (the widget's chat page) sets its own
        # frame-ancestors; X-Frame-Options cannot express an allow-list, so it is left out there.
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    if request.path.startswith("/console") and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # agents' pages hold customer data
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)
