"""The composer's canned responses as JSON: the picker's list for a conversation, and one response's
text filled for its customer. Registered on the inbox blueprint by `register(bp)` in app/inbox/__init__.py."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from app.services.conversations import canned as composer


def _summary(response) -> dict:
    return {"id": response.id, "title": response.title, "shortcut": response.shortcut,
            "scope": "team" if response.is_team else "own"}


@login_required
def canned_list(conversation_id: int):
    """GET ?q=: the team's and the agent's own responses matching q (shortcut or title), each with
    a one-line preview filled for this conversation; 404 for an unknown conversation."""
    found = composer.suggestions(conversation_id, current_user, request.args.get("q", "", type=str))
    return jsonify({"responses": [{**_summary(s.response), "preview": s.preview} for s in found]})


@login_required
def canned_text(conversation_id: int, response_id: int):
    """GET: one response's text for this conversation's customer and the signed-in agent, and the
    placeholders that had no value (`missing`). Another agent's response is a 404."""
    response, rendered = composer.render_for_conversation(response_id, conversation_id, current_user)
    return jsonify({**_summary(response), "text": rendered.text, "missing": list(rendered.missing)})


def register(bp: Blueprint) -> None:
    """Add these endpoints to the inbox blueprint (called before the blueprint is registered)."""
    bp.add_url_rule("/<int:conversation_id>/canned-responses", view_func=canned_list, methods=["GET"])
    bp.add_url_rule("/<int:conversation_id>/canned-responses/<int:response_id>", view_func=canned_text,
                    methods=["GET"])
