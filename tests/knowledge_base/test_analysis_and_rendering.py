"""Text analysis per language (knowledge_base.analysis) and Markdown rendering (knowledge_base.rendering)."""

from __future__ import annotations

import pickle
import re

import pytest

from knowledge_base.analysis import TextAnalyzer, Weighted, WordsAnalyzer, analyzer_for, fold, supported
from knowledge_base.rendering import plain_text, render, summary
from knowledge_base.schema import schema_for


def terms(language: str, text: str) -> list[str]:
    return [token.text for token in analyzer_for(language)(text)]


# --- Analysis ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["refund", "refunds", "refunded", "Refunds", "REFUND"]),
    ("en", ["parcel", "parcels"]),
    ("pt", ["devolução", "devolucao", "Devolução", "DEVOLUCAO"]),
    ("pt", ["reembolso", "reembolsos", "Reembolso"]),
    ("pt", ["encomenda", "encomendas"]),
    ("nl", ["pakket", "pakketten", "Pakket"]),
    ("nl", ["bestelling", "bestellingen"]),
    ("nl", ["terugbetaling", "terugbetalingen"]),
])
def test_inflections_and_spellings_of_a_word_reach_one_term(language, words):
    analyzer = analyzer_for(language)
    found = {word: analyzer.term(word) for word in words}
    assert len(set(found.values())) == 1, found
    assert None not in found.values()


def test_each_language_stems_with_its_own_rules():
    # The English stemmer would not touch Dutch plurals, and the other way round.
    assert analyzer_for("nl").term("pakketten") == analyzer_for("nl").term("pakket")
    assert analyzer_for("en").term("pakketten") != analyzer_for("en").term("pakket")


def test_accents_fold_and_apostrophes_go():
    assert fold("Devolução ÉCOLE") == "devolucao ecole"
    assert analyzer_for("en").term("can't") == analyzer_for("en").term("cant") == "cant"
    assert analyzer_for("en").term("don’t") == "dont"


@pytest.mark.parametrize(("language", "text", "content_words"), [
    ("en", "The refund of an order is on the way", ["refund", "order", "way"]),
    ("pt", "O reembolso da encomenda e o envio", ["reembolso", "encomenda", "envio"]),
    ("nl", "De terugbetaling van het pakket", ["terugbetaling", "pakket"]),
])
def test_stop_words_are_dropped(language, text, content_words):
    analyzer = analyzer_for(language)
    assert terms(language, text) == [analyzer.term(word) for word in content_words]
    assert analyzer.term(text.split()[0]) is None  # "The", "O", "De"


def test_stop_words_kept_as_stopped_tokens_when_asked():
    tokens = [(t.text, t.stopped) for t in analyzer_for("en")("the refund", removestops=False)]
    assert tokens == [("the", True), ("refund", False)]


@pytest.mark.parametrize(("language", "question", "subject"), [
    ("en", "Hi, please help! I need to get my refunds, thanks", ["refunds"]),
    ("pt", "Olá, bom dia, preciso de ajuda com o reembolso, obrigado", ["reembolso"]),
    ("nl", "Hallo, ik wil graag hulp met de terugbetaling, bedankt", ["terugbetaling"]),
])
def test_fillers_are_dropped_from_queries_only(language, question, subject):
    analyzer = analyzer_for(language)
    assert [word for word, _ in analyzer.query_terms(question)] == subject
    # An article that says "please" or "help" keeps those words.
    indexed = terms(language, question)
    assert len(indexed) > len(subject)
    assert analyzer.term(subject[0]) in indexed


def test_query_terms_pair_words_with_their_terms():
    assert analyzer_for("en").query_terms("Refunds for PARCELS") == [("Refunds", "refund"), ("PARCELS", "parcel")]


def test_text_analyzer_pickles_by_language_and_rebuilds_its_stemmer():
    analyzer = TextAnalyzer("pt")
    for number in range(2000):
        analyzer.term(f"palavra{number}")
    restored = pickle.loads(pickle.dumps(analyzer))
    assert restored == analyzer and hash(restored) == hash(analyzer)
    assert restored.term("devoluções") == analyzer.term("devoluções")
    assert terms("pt", "as devoluções") == [t.text for t in restored("as devoluções")]
    assert len(pickle.dumps(analyzer)) < 200  # the term cache is not part of the pickle


def test_words_analyzer_pickles_and_gives_distinct_unstemmed_words():
    analyzer = pickle.loads(pickle.dumps(WordsAnalyzer("en")))
    assert analyzer == WordsAnalyzer("en")
    words = [t.text for t in analyzer("Refunds and the refunds: Café, 123, ok")]
    assert words == ["cafe", "refunds"]  # folded, sorted, no stop words, digits or words under 3 letters


def test_schema_pickles_with_its_analyzer():
    restored = pickle.loads(pickle.dumps(schema_for("nl")))
    assert restored["content"].analyzer == analyzer_for("nl")
    assert [t.text for t in restored["content"].analyzer("de pakketten")] == ["pakket"]


def test_chinese_is_indexed_as_character_bigrams():
    tokens = [(t.text, t.startchar, t.endchar) for t in analyzer_for("zh")("退款政策", chars=True)]
    assert tokens == [("退款", 0, 2), ("款政", 1, 3), ("政策", 2, 4)]
    assert terms("zh", "书") == ["书"]
    assert terms("zh", "退款 Refunds") == ["退款", "refunds"]  # no stemmer for Chinese: Latin words are folded


def test_japanese_bigrams_without_a_stemmer():
    assert terms("ja", "返品 Tokyo") == ["返品", "tokyo"]


def test_a_language_without_stemmer_or_stop_words_still_tokenises_and_folds():
    assert supported("eo")
    analyzer = analyzer_for("eo")
    assert terms("eo", "Ĉu mi povas REVENI la pakaĵojn?") == ["cu", "mi", "povas", "reveni", "la", "pakajojn"]
    assert analyzer.query_terms("Ĉu pakaĵojn") == [("Ĉu", "cu"), ("pakaĵojn", "pakajojn")]


@pytest.mark.parametrize(("code", "ok"), [("en", True), ("eo", True), ("eng", False), ("EN", False), ("", False),
                                         (None, False)])
def test_supported_languages_are_two_letter_codes(code, ok):
    assert supported(code) is ok


def test_weighted_parts_carry_their_weight_and_phrases_cannot_span_parts():
    value = Weighted((("Refund policy", 3.0), ("policy terms", 1.0)))
    assert value == "Refund policy\npolicy terms"
    tokens = [(t.text, t.boost, t.pos) for t in analyzer_for("en")(value, positions=True)]
    assert [(text, boost) for text, boost, _ in tokens] == [("refund", 3.0), ("polici", 3.0), ("polici", 1.0),
                                                            ("term", 1.0)]
    positions = [pos for _, _, pos in tokens]
    assert positions[1] - positions[0] == 1
    assert positions[2] - positions[1] > 1


def test_token_offsets_point_into_the_text():
    text = "The refunds arrive"
    tokens = list((t.text, t.startchar, t.endchar) for t in analyzer_for("en")(text, chars=True))
    assert [text[start:end] for _, start, end in tokens] == ["refunds", "arrive"]


# --- Rendering --------------------------------------------------------------------------------


def tags_of(html: str) -> set[str]:
    return {name.lower() for name in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", html)}


@pytest.mark.parametrize("markdown", [
    "<script>alert(1)</script>",
    "Before <script>alert(1)</script> after",
    "<SCRIPT src=https://evil.example/x.js></SCRIPT>",
    "```\n<script>alert(1)</script>\n```",
])
def test_script_in_markdown_is_shown_as_text(markdown):
    html = render(markdown)
    assert "script" not in tags_of(html)
    assert "&lt;script&gt;" in html.lower() or "&lt;script " in html.lower()


@pytest.mark.parametrize("markdown", [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1) )",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
])
def test_links_never_get_a_script_url(markdown):
    html = render(markdown)
    assert not re.search(r"(href|src)\s*=\s*[\"']?\s*(javascript|vbscript|data):", html, re.I), html


@pytest.mark.parametrize("markdown", [
    '<img src=x onerror="alert(1)">',
    "<a href='javascript:alert(1)'>x</a>",
    '<div onclick="alert(1)">x</div>',
    "<iframe src=https://evil.example></iframe>",
])
def test_raw_html_is_escaped(markdown):
    html = render(markdown)
    assert tags_of(html) == {"p"}
    assert "&lt;" in html


def test_links_get_rel_and_keep_their_href():
    html = render("See [our shop](https://demo.shop/tea) or [Klarna](pay-later-klarna).")
    assert '<a href="https://demo.shop/tea" rel="noopener noreferrer nofollow">our shop</a>' in html
    assert '<a href="pay-later-klarna" rel="noopener noreferrer nofollow">Klarna</a>' in html


def test_headings_start_at_h2():
    html = render("# Title\n\n## Section\n\ntext")
    assert "<h1" not in html
    assert "<h2>Title</h2>" in html
    assert "<h2>Section</h2>" in html


def test_tables_render():
    html = render("| Method | Days |\n|---|:---:|\n| iDEAL | 1-3 |\n")
    assert {"table", "thead", "tbody", "tr", "th", "td"} <= tags_of(html)
    assert "<td>iDEAL</td>" in html
    assert "<th" in html and "Days</th>" in html


def test_markdown_formatting_is_kept():
    html = render("Some **bold**, *em*, `code`\n\n- one\n- two\n\n> quoted")
    assert {"strong", "em", "code", "ul", "li", "blockquote"} <= tags_of(html)


def test_empty_markdown_renders_to_nothing():
    assert render("") == render(None) == ""


def test_plain_text_drops_tags_and_keeps_blocks_on_lines():
    html = render("# Title\n\nSome **bold** & <b>x</b> text\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    text = plain_text(html)
    assert "<strong>" not in text and "<p>" not in text and "&amp;" not in text
    assert text.splitlines() == ["Title", "Some bold & <b>x</b> text", "one", "two", "a", "b", "1", "2"]


def test_summary_cuts_at_a_word():
    assert summary("short text") == "short text"
    long = summary("word " * 100, limit=30)
    assert long.endswith("…") and len(long) <= 30
    assert long[:-1].split() == ["word"] * len(long[:-1].split())
