"""Articles as Markdown files with YAML front matter (knowledge_base.transfer)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge_base import transfer
from knowledge_base.transfer import ArticleFile, ArticleFileError, dump, parse, read_dir, write
from tests.knowledge_base.conftest import ARTICLES, LANGUAGES


def front(*lines: str, body: str = "Body.") -> str:
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def reason_for(text: str, **kwargs) -> str:
    with pytest.raises(ArticleFileError) as caught:
        parse(text, path="some/file.md", **kwargs)
    error = caught.value
    assert error.path == "some/file.md"
    assert str(error) == f"some/file.md: {error.reason}"
    return error.reason


# --- parse ------------------------------------------------------------------------------------


def test_a_minimal_file_gets_defaults():
    article = parse(front("title: Track your order", "slug: track-your-order", body="Where is it?"),
                    default_language="pt")
    assert article == ArticleFile(title="Track your order", slug="track-your-order", body="Where is it?\n",
                                  language="pt", status="published", category="", section="", tags=(),
                                  visibility="public")


def test_the_path_is_kept_for_reports_but_is_not_part_of_the_article():
    article = parse(front("title: T", "slug: t"), path="en/t.md")
    assert article.path == "en/t.md"
    assert article == parse(front("title: T", "slug: t"), path="elsewhere.md")


def test_every_field_is_read():
    article = parse(front("title: '  Track your order '", "slug: track-your-order", "language: nl",
                          "status: draft", "visibility: internal", "category: Orders", "section: Placing an order",
                          "tags: [Tracking, parcel, tracking, ' ']", body="\n\n# Body\n\ntext\n\n"))
    assert article.title == "Track your order"
    assert (article.language, article.status, article.visibility, article.category, article.section) == (
        "nl", "draft", "internal", "Orders", "Placing an order")
    assert article.tags == ("tracking", "parcel")  # lowercased, stripped, without repeats or blanks
    assert article.body == "# Body\n\ntext\n"


def test_a_byte_order_mark_and_windows_line_ends_are_accepted():
    article = parse("\ufeff---\r\ntitle: T\r\nslug: t\r\n---\r\nBody\r\n")
    assert (article.title, article.slug, article.body) == ("T", "t", "Body\n")


def test_a_file_with_front_matter_only_has_an_empty_body():
    assert parse("---\ntitle: T\nslug: t\n---").body == "\n"


def test_tags_may_be_a_comma_separated_string():
    article = parse(front("title: T", "slug: t", "tags: money back, Refund ,refund"))
    assert article.tags == ("money back", "refund")


def test_numbers_are_accepted_as_text():
    article = parse(front("title: 2024", "slug: 404", "tags: [1, two]"))
    assert (article.title, article.slug, article.tags) == ("2024", "404", ("1", "two"))


@pytest.mark.parametrize(("text", "words"), [
    ("title: T\nslug: t\n\nBody", ["no front matter", "---"]),
    ("Just a body", ["no front matter"]),
    ("---\ntitle: T\nslug: t\nBody without the closing line", ["no front matter"]),
    (front("title: [unclosed", "slug: t"), ["not valid YAML"]),
    (front("title: T", "  slug: t", "\tbad: indent"), ["not valid YAML"]),
    (front("- title", "- slug"), ["must be a mapping"]),
    (front("just a string"), ["must be a mapping"]),
    (front("slug: t"), ["'title' is required"]),
    (front("title: '   '", "slug: t"), ["'title' is required"]),
    (front("title: T"), ["'slug' is required"]),
    (front("title: [a, b]", "slug: t"), ["'title' must be text"]),
    (front("title: T", "slug: Hello World"), ["'slug'", "lowercase words joined by hyphens", "'Hello World'"]),
    (front("title: T", "slug: hello_world"), ["'slug'", "lowercase words joined by hyphens"]),
    (front("title: T", "slug: -hello"), ["'slug'", "lowercase words joined by hyphens"]),
    (front("title: T", "slug: t", "status: archived"), ["'status'", "published or draft", "'archived'"]),
    (front("title: T", "slug: t", "status: yes"), ["'status' must be text"]),
    (front("title: T", "slug: t", "visibility: secret"), ["'visibility'", "public or internal", "'secret'"]),
    (front("title: T", "slug: t", "language: EN"), ["'language'", "two-letter code", "'EN'"]),
    (front("title: T", "slug: t", "language: e1"), ["'language'", "two-letter code"]),
    (front("title: T", "slug: t", "language: english"), ["'language'", "longer than 2 characters"]),
    (front("title: T", "slug: t", "tags: {a: b}"), ["'tags' must be a list of words"]),
    (front("title: T", "slug: t", "tags: [[a], b]"), ["'tags' must be a list of words"]),
    (front("title: T", "slug: t", "tags: [" + ", ".join(f"t{n}" for n in range(31)) + "]"), ["at most 30 tags"]),
    (front("title: T", "slug: t", "tags: [" + "x" * 61 + "]"), ["60 characters"]),
    (front("title: " + "x" * 201, "slug: t"), ["'title' is longer than 200 characters"]),
    (front("title: T", "slug: " + "a" * 121), ["'slug' is longer than 120 characters"]),
])
def test_a_broken_file_says_what_is_wrong(text, words):
    reason = reason_for(text)
    for word in words:
        assert word in reason, reason


# --- dump and parse ---------------------------------------------------------------------------

TEXT = st.characters(categories=("L", "N", "P", "S", "Zs"))
SLUGS = st.lists(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8), min_size=1,
                 max_size=4).map("-".join)


def stripped(max_size: int, min_size: int = 0):
    return st.text(TEXT, min_size=min_size, max_size=max_size).map(str.strip).filter(lambda s: len(s) >= min_size)


# Tags as parse leaves them: lowercase, stripped, no commas (a comma string is split into tags).
TAGS = st.lists(stripped(20, 1).map(str.lower).filter(lambda t: t == t.strip().lower() and "," not in t), max_size=6,
                unique=True)
BODIES = st.lists(st.text(TEXT, max_size=40), max_size=6).map(lambda lines: "\n".join(lines).strip() + "\n")


@settings(max_examples=50, deadline=None, database=None)
@given(title=stripped(80, 1), slug=SLUGS, language=st.sampled_from(LANGUAGES),
       status=st.sampled_from(transfer.STATUSES), visibility=st.sampled_from(transfer.VISIBILITIES),
       category=stripped(40), section=stripped(40), tags=TAGS, body=BODIES)
def test_parse_reads_back_what_dump_wrote(title, slug, language, status, visibility, category, section, tags, body):
    article = ArticleFile(title=title, slug=slug, body=body, language=language, status=status, category=category,
                          section=section, tags=tuple(tags), visibility=visibility)
    assert parse(dump(article)) == article


def test_dump_writes_front_matter_then_the_body():
    article = ArticleFile(title="Ação: 'yes' # no", slug="acao", body="Texto.\n", language="pt", tags=("a", "b"))
    text = dump(article)
    assert text.startswith("---\ntitle: ")
    assert text.endswith("---\nTexto.\n")
    assert "Ação" in text  # written as UTF-8, not escaped
    assert "visibility" not in text  # public, the default, goes without saying
    assert parse(text) == article
    internal = ArticleFile(title="T", slug="t", body="B\n", language="en", visibility="internal")
    assert "\nvisibility: internal\n" in dump(internal)
    assert parse(dump(internal)) == internal


@pytest.mark.parametrize("tags", [("tracking", "parcel"), ()], ids=["with tags", "without tags"])
def test_dump_writes_one_key_per_line(tags):
    """As the module documents the format and the starter articles are written: a person edits exports."""
    article = ArticleFile(title="Track your order", slug="track-your-order", body="Where is it?\n", language="en",
                          tags=tags)
    lines = dump(article).splitlines()
    front_matter = lines[1:lines.index("---", 1)]
    assert front_matter[:4] == ["title: Track your order", "slug: track-your-order", "language: en",
                                "status: published"], dump(article)


# --- read_dir and write -----------------------------------------------------------------------


def test_read_dir_yields_articles_and_the_errors_of_broken_files(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "good.md").write_text(front("title: Good", "slug: good"), encoding="utf-8")
    (tmp_path / "en" / "no-title.md").write_text(front("slug: no-title"), encoding="utf-8")
    (tmp_path / "latin1.md").write_bytes(front("title: Devolução", "slug: devolucao").encode("latin-1"))
    (tmp_path / "huge.md").write_text(front("title: Huge", "slug: huge", body="x" * 1_000_001), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not an article", encoding="utf-8")

    found = list(read_dir(tmp_path, default_language="nl"))

    articles = [item for item in found if isinstance(item, ArticleFile)]
    errors = {item.path: item.reason for item in found if isinstance(item, ArticleFileError)}
    assert [(a.slug, a.language, a.path) for a in articles] == [("good", "nl", "en/good.md")]
    assert errors == {
        "en/no-title.md": "'title' is required",
        "latin1.md": "not UTF-8 text",
        "huge.md": "larger than 1000 kB",
    }


def test_read_dir_of_an_empty_or_missing_directory_yields_nothing(tmp_path):
    assert list(read_dir(tmp_path)) == []
    assert list(read_dir(tmp_path / "missing")) == []


def test_write_puts_the_file_at_language_and_slug(tmp_path):
    article = ArticleFile(title="Devolver", slug="how-to-return", body="Corpo.\n", language="pt", tags=("devolução",))
    path = write(tmp_path / "export", article)
    assert path == tmp_path / "export" / "pt" / "how-to-return.md"
    assert parse(path.read_text(encoding="utf-8")) == article
    assert list(read_dir(tmp_path / "export")) == [article]


# --- The starter articles ---------------------------------------------------------------------


def test_every_starter_article_parses():
    found = list(read_dir(ARTICLES))
    errors = [item for item in found if isinstance(item, ArticleFileError)]
    assert not errors
    assert len(found) == 102


@pytest.mark.parametrize("language", LANGUAGES)
def test_starter_articles_of_a_language(language):
    articles = list(read_dir(ARTICLES / language, default_language="xx"))
    assert len(articles) == 34
    assert all(isinstance(a, ArticleFile) and a.language == language for a in articles)
    assert all(a.status == "published" and a.category and a.tags and a.body.strip() for a in articles)
    assert len({a.slug for a in articles}) == 34
    assert {f"{a.slug}.md" for a in articles} == {p.name for p in (ARTICLES / language).glob("*.md")}


def test_every_language_has_the_same_slugs():
    slugs = {language: {a.slug for a in read_dir(ARTICLES / language)} for language in LANGUAGES}
    assert slugs["pt"] == slugs["en"]
    assert slugs["nl"] == slugs["en"]
