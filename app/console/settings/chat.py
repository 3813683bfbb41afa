"""Settings › Chat: capacity per agent, the pre-chat form and messages left while nobody is online.
Registered on the console blueprint by `register(bp)` in app/console/__init__.py."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from app.auth.access import admin_required, current_actor
from app.services.conversations import settings as chat_settings
from app.services.conversations.settings import ChatSettings, PrechatField
from app.services.errors import DomainError


class ChatSettingsForm(FlaskForm):
    capacity = IntegerField("Chats per agent", validators=[
        InputRequired("Enter a number."), NumberRange(1, chat_settings.MAX_CAPACITY)],
        description="Round-robin gives an online agent at most this many open chats; agents can still claim more.")
    offline_messages = BooleanField("When nobody is online, offer to leave a message with an email address")
    prechat_enabled = BooleanField("Ask visitors a few questions before the chat starts")
    prechat_ask_name = BooleanField("Ask for their name")
    prechat_ask_email = BooleanField("Ask for their email")
    prechat_email_required = BooleanField("The email is required")
    prechat_questions = TextAreaField(
        "More questions", validators=[Length(max=1000)], render_kw={"rows": 4},
        description="One question a line, such as “Order number”. End a line with * to make it required. "
                    "Customers signed in on the shop are not asked what the shop already told us.")


def _key(label: str) -> str:
    """A stable key for a question from its label: “Order number” → order_number."""
    key = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "question"
    return key if key[0].isalpha() else f"q_{key}"


def parse_questions(text: str) -> tuple[PrechatField, ...]:
    """The questions textarea, a line each, `*` at the end for required."""
    fields = []
    for line in (text or "").splitlines():
        label = line.strip()
        required = label.endswith("*")
        label = label.rstrip("*").strip()
        if label:
            fields.append(PrechatField(key=_key(label)[:32], label=label, required=required))
    return tuple(fields)


def _form_for(settings: ChatSettings) -> ChatSettingsForm:
    questions = "\n".join(f.label + (" *" if f.required else "") for f in settings.prechat_fields)
    return ChatSettingsForm(data={**settings.__dict__, "prechat_questions": questions})


@admin_required
def chat_settings_page():
    """Settings › Chat: the settings in force, as an editable form."""
    return render_template("console/settings/chat.html", form=_form_for(chat_settings.current()))


@admin_required
def save_chat_settings():
    """Save the chat settings (audit-logged); a refused value is shown next to its field."""
    form = ChatSettingsForm()
    if form.validate_on_submit():
        try:
            chat_settings.save(ChatSettings(
                capacity=form.capacity.data, offline_messages=form.offline_messages.data,
                prechat_enabled=form.prechat_enabled.data, prechat_ask_name=form.prechat_ask_name.data,
                prechat_ask_email=form.prechat_ask_email.data,
                prechat_email_required=form.prechat_email_required.data,
                prechat_fields=parse_questions(form.prechat_questions.data)), by=current_actor())
        except DomainError as exc:
            target = form.prechat_questions if exc.field == "prechat_fields" else form.capacity
            target.errors = [*target.errors, exc.message]
        else:
            flash("Chat settings saved.", "success")
            return redirect(url_for("console.chat_settings_page"))
    return render_template("console/settings/chat.html", form=form), 400


def register(bp: Blueprint) -> None:
    """Add these pages to the console blueprint (called before the blueprint is registered)."""
    bp.add_url_rule("/settings/chat", view_func=chat_settings_page, methods=["GET"])
    bp.add_url_rule("/settings/chat", endpoint="save_chat_settings", view_func=save_chat_settings, methods=["POST"])
