"""Inbox pages: the conversation list (and its live region), a conversation, resolve and reopen."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.access import current_actor
from app.inbox.forms import InboxFilterForm, StatusForm
from app.inbox.text import linkify
from app.services.conversations import inbox

STATUS_FLASH = {"resolved": "Conversation resolved.", "open": "Conversation reopened.",
                "pending": "Conversation marked pending: waiting for the customer."}


@login_required
def index():
    """Conversations, newest activity first, filtered by assignee and status."""
    form = InboxFilterForm(request.args)
    rows = inbox.list_conversations(form.to_filter(), current_user.id)
    return render_template("inbox/index.html", form=form, rows=rows, filters=form.query_args())


@login_required
def unread():
    """{"conversations": {id: unread}}: the open chats, this agent's or nobody's, with unread
    messages (the console's title badge starts from it)."""
    return jsonify(conversations=inbox.unread_conversations(current_user.id))


@login_required
def show(conversation_id: int):
    """One conversation: messages in seq order, the composer and the customer panel."""
    view = inbox.conversation_view(conversation_id)
    return render_template("inbox/show.html", view=view, status_form=StatusForm())


@login_required
def set_status(conversation_id: int):
    """Resolve or reopen (a CSRF-protected form), then back to the conversation."""
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    conversation = inbox.set_status(conversation_id, form.status.data, by=current_actor())
    flash(STATUS_FLASH[conversation.status], "success")
    return redirect(url_for("inbox.show", conversation_id=conversation_id))


def register(bp: Blueprint) -> None:
    """Add the inbox pages to the inbox blueprint, and the linkify filter to every template."""
    bp.add_app_template_filter(linkify, "linkify")
    bp.add_url_rule("", view_func=index)
    bp.add_url_rule("/unread", view_func=unread)
    bp.add_url_rule("/<int:conversation_id>", view_func=show)
    bp.add_url_rule("/<int:conversation_id>/status", view_func=set_status, methods=["POST"])
