"""app.text_input.clean_text: the one normalising rule for text from outside."""

from __future__ import annotations

import pytest

from app.text_input import clean_text, has_control_characters


@pytest.mark.parametrize(("raw", "clean"), [
    ("plain text", "plain text"),
    ("a\x00b", "ab"),
    ("bell\x07 and escape\x1b[31m", "bell and escape[31m"),
    ("keeps\ttab\nnewline\r\nCRLF", "keeps\ttab\nnewline\r\nCRLF"),
    ("del\x7f", "del"),
    ("lone \ud800 high and \udfff low", "lone \ufffd high and \ufffd low"),
    ("café 🫖 ☕", "café 🫖 ☕"),
    ("\x00" * 5, ""),
])
def test_control_characters_go_and_lone_surrogates_are_replaced(raw, clean):
    assert clean_text(raw) == clean
    clean_text(raw).encode("utf-8")  # always encodable (no UnicodeEncodeError): what the databases need


def test_control_characters_are_recognised_in_a_path():
    assert has_control_characters("/a\x00b") and has_control_characters("/a\tb") and has_control_characters("/\x7f")
    assert not has_control_characters("/help/en/articles/café")
