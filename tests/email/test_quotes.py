"""The new part of a reply, from the forms mail programs write."""

from __future__ import annotations

import pytest

from app.services.tickets.email.quotes import html_to_text, strip_quoted

GMAIL = "Blue, please.\n\nOn Wed, 2 Dec 2026 at 10:00, Demo Shop <support@shop.test> wrote:\n> Which colour?\n"
GMAIL_WRAPPED = "Blue.\n\nOn Wed, 2 Dec 2026 at 10:00, Demo Shop Support Team\n<support@shop.test> wrote:\n> Which?\n"
OUTLOOK = ("Blue.\r\n\r\n________________________________\r\nFrom: Demo Shop <support@shop.test>\r\n"
           "Sent: Wednesday, 2 December 2026 10:00\r\nTo: Ines\r\nSubject: Re: Broken mug\r\n\r\nWhich colour?\r\n")
OUTLOOK_NO_RULE = "Blue.\n\nFrom: Demo Shop <support@shop.test>\nSent: Wednesday\nSubject: Broken mug\n\nWhich?\n"
OLD = "Blue.\n\n-----Original Message-----\nWhich colour?\n"
PORTUGUESE = "Azul.\n\nEm qua., 2 de dez. de 2026 às 10:00, Demo Shop <support@shop.test> escreveu:\n> Qual cor?\n"
DUTCH = "Blauw.\n\nOp wo 2 dec. 2026 om 10:00 schreef Demo Shop <support@shop.test>:\n> Welke kleur?\n"
MOBILE = "Blue.\n\nSent from my iPhone\n\n> Which colour?\n"
SIGNATURE = "Blue.\n-- \nInes Duarte\nLisbon\n"


@pytest.mark.parametrize(("text", "expected"), [
    (GMAIL, "Blue, please."), (GMAIL_WRAPPED, "Blue."), (OUTLOOK, "Blue."), (OUTLOOK_NO_RULE, "Blue."),
    (OLD, "Blue."), (PORTUGUESE, "Azul."), (DUTCH, "Blauw."), (MOBILE, "Blue."), (SIGNATURE, "Blue."),
])
def test_the_quote_is_cut(text, expected):
    assert strip_quoted(text) == expected


def test_a_message_that_mentions_from_or_quotes_inline_keeps_its_words():
    text = "From: the shop's page I ordered two mugs.\nThe second was broken."
    assert strip_quoted(text) == text
    assert strip_quoted("> only a quote") == "> only a quote"  # nothing new: keep what there is


def test_html_becomes_text_without_scripts_or_the_quote():
    markup = "<p>Blue &amp; big.</p><script>alert(1)</script><blockquote>Which colour?</blockquote>"
    assert html_to_text(markup) == "Blue & big."
