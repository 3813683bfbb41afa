"""The sender job: delivers queued outbox rows over SMTP (HELPDESK_SMTP_*), at least once.

A row is claimed with one UPDATE that only succeeds while it is still queued, so two workers never
send it twice at the same time; a claimed row whose worker died is claimed again after CLAIM_MINUTES.
Failures are retried with growing waits, then the row is marked failed with the reason (never the
credentials)."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from flask import current_app
from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import OutboxEmail
from app.models.base import utcnow
from app.services.platform.reply_tokens import reply_address

log = logging.getLogger(__name__)
BATCH = 50
MAX_ATTEMPTS = 5
CLAIM_MINUTES = 10


def build_message(email: OutboxEmail) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((config["HELPDESK_SHOP_NAME"], config["HELPDESK_MAIL_FROM"]))
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.created_at)
    message["Message-ID"] = f"<{email.message_id}>"
    if email.in_reply_to:
        message["In-Reply-To"] = f"<{email.in_reply_to}>"
        message["References"] = f"<{email.in_reply_to}>"
    if email.ticket_id is not None:
        message["Reply-To"] = reply_address(email.ticket_id)
    message["Auto-Submitted"] = "auto-generated" if email.kind in ("sign_in_link", "ticket_received") else "no"
    message.set_content(email.text_body)
    return message


def _due():
    abandoned = utcnow() - timedelta(minutes=CLAIM_MINUTES)
    return or_(OutboxEmail.status == "queued",
               (OutboxEmail.status == "sending") & (OutboxEmail.next_attempt_at <= abandoned))


def _claim(email_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(update(OutboxEmail).where(OutboxEmail.id == email_id, _due(),
                                                           OutboxEmail.next_attempt_at <= now)
                                 .values(status="sending", attempts=OutboxEmail.attempts + 1, next_attempt_at=now))
    db.session.commit()
    return claimed.rowcount == 1


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["HELPDESK_SMTP_HOST"], config["HELPDESK_SMTP_PORT"], timeout=15)
    if config["HELPDESK_SMTP_STARTTLS"]:
        smtp.starttls()
    if config["HELPDESK_SMTP_USER"]:
        smtp.login(config["HELPDESK_SMTP_USER"], config["HELPDESK_SMTP_PASSWORD"] or "")
    return smtp


def _failed(email: OutboxEmail, exc: Exception) -> None:
    reason = f"{type(exc).__name__}: {exc}".replace(current_app.config["HELPDESK_SMTP_PASSWORD"] or "\0", "***")
    email.last_error = reason[:500]
    if email.attempts >= MAX_ATTEMPTS:
        email.status = "failed"
    else:
        email.status = "queued"
        email.next_attempt_at = utcnow() + timedelta(minutes=2 ** email.attempts)
    log.warning("email not delivered", extra={"outbox_id": email.id, "attempts": email.attempts})


def deliver_outbox(limit: int = BATCH) -> int:
    """The periodic job: send what is due; returns how many emails went out."""
    if current_app.config["HELPDESK_EMAIL_DELIVERY"] != "smtp":
        return 0
    now = utcnow()
    due = list(db.session.scalars(select(OutboxEmail.id).where(_due(), OutboxEmail.next_attempt_at <= now)
                                  .order_by(OutboxEmail.id).limit(limit)))
    db.session.rollback()
    sent, smtp = 0, None
    try:
        for email_id in due:
            if not _claim(email_id):
                continue  # another worker has it
            email = db.session.get(OutboxEmail, email_id)
            try:
                smtp = smtp or _connect()
                smtp.send_message(build_message(email))
            except (smtplib.SMTPException, OSError) as exc:
                _failed(email, exc)
                if smtp is not None and not isinstance(exc, smtplib.SMTPRecipientsRefused):
                    smtp.close()
                    smtp = None
            else:
                email.status, email.sent_at, email.last_error = "sent", utcnow(), None
                sent += 1
            db.session.commit()
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    return sent
