"""Socket.IO packets go through the app's bounded JSON parser, as an attacker would send them: a
packet nested 30,000 deep (or just past the limit) is refused without a traceback in the log,
the sender's socket and everyone else's keep working; text in a chat message is normalised
(NUL and control characters out, lone surrogates replaced) on SQLite and PostgreSQL."""

from __future__ import annotations

import logging

from app.extensions import db, socketio
from app.models import Message
from tests.support.chat_sockets import CHAT, call, visitor_socket


def raw_packet(sio, text: str) -> None:
    """What Engine.IO does with a text frame from the client's socket: hand it to the Socket.IO
    server, logging (not raising) what the handler raises. The test client's emit would build the
    packet with json.dumps, which cannot write 30,000 levels."""
    socketio.server.eio._trigger_event("message", sio.eio_sid, text)


def tracebacks(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_30000_deep_packet_is_refused_quietly_and_the_server_answers_the_next_event(app, caplog):
    attacker, bystander = visitor_socket(app, "anon-attacker"), visitor_socket(app, "anon-bystander")
    caplog.set_level(logging.WARNING)
    raw_packet(attacker, "2/chat,7" + "[" * 30_000 + "]" * 30_000)
    assert tracebacks(caplog) == [], [r.getMessage() for r in tracebacks(caplog)]
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert attacker.is_connected(CHAT) and call(attacker, "start_conversation")["ok"]
    assert call(bystander, "start_conversation")["ok"]


def test_a_packet_just_past_the_depth_limit_never_reaches_a_handler(app, caplog):
    sio = visitor_socket(app, "anon-1")
    conversation_id = call(sio, "start_conversation")["conversation"]["id"]
    deep_body = "[" * 40 + "]" * 40
    raw_packet(sio, f'2/chat,9["send_message",{{"conversation_id":{conversation_id},"client_msg_id":"m",'
                    f'"body":{deep_body}}}]')
    assert sio.acks is None  # no handler ran, so no acknowledgement came back
    assert tracebacks(caplog) == []
    ack = call(sio, "send_message", {"conversation_id": conversation_id, "client_msg_id": "m2", "body": "still here"})
    assert ack["ok"] and ack["message"]["body"] == "still here"


def test_a_chat_message_with_control_characters_is_stored_clean(any_app):
    sio = visitor_socket(any_app, "anon-nul")
    conversation_id = call(sio, "start_conversation")["conversation"]["id"]
    ack = call(sio, "send_message", {"conversation_id": conversation_id, "client_msg_id": "m\x00",
                                     "body": "mug\x00 arrived\x07 broken \ud800!"})
    assert ack["ok"], ack
    db.session.expire_all()
    message = db.session.scalar(db.select(Message))
    assert (message.body, message.client_msg_id) == ("mug arrived broken \ufffd!", "m")
