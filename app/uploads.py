"""Files over HTTP: the file field of the forms that take attachments, the larger request limit
those forms need (with a clear 413 past it), and the download answer, which never lets a browser
run what it gets."""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request, send_file
from flask_wtf.file import MultipleFileField
from werkzeug.exceptions import RequestEntityTooLarge

from app.services.tickets.attachments.files import Download
from app.services.tickets.attachments.store import Limits, Upload, human_size
from app.services.tickets.attachments.types import TYPES

# A sandboxed, empty origin: even a file a browser chose to render could run nothing and load nothing.
DOWNLOAD_CSP = "sandbox; default-src 'none'"


def accepts_files(view):
    """Mark a view whose form takes attachments: its POSTs may be as large as the files allow."""
    view.accepts_files = True
    return view


class AttachmentsField(MultipleFileField):
    """Choose files to attach (several at once), with the limits as its hint and the accepted
    extensions for the browser's file picker; the files are checked again by the service."""

    def __init__(self, label: str = "Attach files", **kwargs) -> None:
        limits = Limits.from_config(current_app.config)
        accept = ",".join(f".{ext}" for ext in limits.types if ext in TYPES)
        super().__init__(label, description=limits.hint(), render_kw={"multiple": True, "accept": accept}, **kwargs)


def uploads_from(field: MultipleFileField) -> list[Upload]:
    """The chosen files as the attachment service takes them; a file input left empty sends none."""
    return [Upload(f.filename, f.stream) for f in field.data or () if f and f.filename]


def _raise_limit() -> None:
    """Before the CSRF check reads the form: allow the files' size on views that take files, and
    answer a request over it with what the limits are."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method != "POST" or not getattr(view, "accepts_files", False):
        return
    limits = Limits.from_config(current_app.config)
    request.max_content_length = limits.max_bytes * limits.per_message + current_app.config["MAX_CONTENT_LENGTH"]
    try:
        request.form  # noqa: B018  (parsed now, under this limit)
    except RequestEntityTooLarge:
        abort(413, description=f"The files are too large to send: attach at most {limits.per_message} files of "
                               f"up to {human_size(limits.max_bytes)} each. Nothing was sent; go back to keep "
                               "what you wrote.")


def send_attachment(download: Download) -> Response:
    """Called by the console's and My requests' download routes: the file with the content type
    we decided, as a download (images inline), never sniffed, sandboxed, not cached."""
    attachment = download.attachment
    response = send_file(download.path, mimetype=attachment.content_type, as_attachment=not download.inline,
                         download_name=attachment.filename, conditional=True, etag=attachment.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app: Flask) -> None:
    """Register before CSRFProtect: its check reads the form, under the limit in force then."""
    app.before_request(_raise_limit)
    app.add_template_filter(human_size, "filesize")
