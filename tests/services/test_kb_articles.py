"""Articles without HTTP: drafts and publishing reach the search index with the commit (and only
then), slugs and stale edits, validation, sanitised Markdown, import and export as Markdown files,
and the index's repairs (reindex, reconcile, a rebuild on the first search)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.demo.knowledge_base import STARTER_ARTICLES
from app.extensions import db
from app.models import Article, ArticleVote, KbArticleView, KbCategory, KbSearch
from app.services.errors import ConflictError, DomainError, NotFoundError, StaleEditError
from app.services.knowledge import articles, index_sync
from app.services.knowledge import search as kb_search
from app.services.knowledge.articles import ArticleInput
from app.services.platform.audit import CLI
from config import TestConfig
from knowledge_base.documents import ArticleDocument


def article_input(**changes) -> ArticleInput:
    values = {"title": "Descale the boiler", "slug": "descale-the-boiler", "language": "en",
              "body": "Boil **vinegar** and water to remove limescale.\n\n## Afterwards\n\nRinse twice."}
    return ArticleInput(**{**values, **changes})


def save(*, article_id: int | None = None, expected_version: int | None = None, **changes) -> Article:
    return articles.save_article(article_input(**changes), by=CLI, article_id=article_id,
                                    expected_version=expected_version)


def found(text: str, language: str = "en", **options) -> list[str]:
    """Slugs a search finds (not logged: no commit of its own)."""
    answer = kb_search.search_articles(text, language=language, source="console", log=False, **options)
    return [hit.slug for hit in answer.hits]


def indexed(language: str = "en") -> dict[int, int]:
    return index_sync.knowledge_index().versions(language)


def article_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Article))


def write_article(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def article_file(title: str, slug: str, body: str = "Some words.", language: str = "en") -> str:
    return f"---\ntitle: {title}\nslug: {slug}\nlanguage: {language}\ncategory: Orders\n---\n{body}\n"


@contextmanager
def fresh_app(path: Path):
    """A second app on an empty database of its own (its own index too), its context pushed."""
    path.mkdir(parents=True, exist_ok=True)
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path / 'other.db'}",
                       HELPDESK_DATA_DIR=str(path))
    with other.app_context():
        db.create_all()
        try:
            yield other
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


# --- Writing and publishing -----------------------------------------------------------------


def test_a_draft_is_not_searchable_until_it_is_published(any_app):
    draft = save()
    assert (draft.status, draft.version, draft.published_at) == ("draft", 1, None)
    assert found("limescale") == [] and draft.id not in indexed()

    published = save(article_id=draft.id, status="published")  # no reindex: the commit carries it
    assert published.id == draft.id and published.published_at is not None
    assert found("limescale") == ["descale-the-boiler"]
    assert indexed() == {published.id: published.version}


def test_an_edited_title_replaces_the_indexed_one(any_app):
    article = save(status="published")
    first_version = article.version
    edited = save(article_id=article.id, expected_version=first_version, status="published",
                  title="Clean the samovar")
    assert edited.version > first_version
    assert found("samovar") == ["descale-the-boiler"]
    assert found("boiler") == []  # the old title's word is gone with it
    assert indexed() == {article.id: edited.version}


def test_unpublishing_and_deleting_take_articles_out_of_the_index(any_app):
    kept = save(status="published", slug="kept", title="Limescale in the boiler")
    hidden = save(status="published", slug="hidden", title="Limescale in the urn")
    gone = save(status="published", slug="gone", title="Limescale in the jug")
    assert sorted(found("limescale")) == ["gone", "hidden", "kept"]

    save(article_id=hidden.id, slug="hidden", title="Limescale in the urn", status="draft")
    articles.delete_article(gone.id, by=CLI)
    assert found("limescale") == ["kept"]
    assert indexed() == {kept.id: kept.version}
    assert db.session.get(Article, hidden.id).status == "draft" and db.session.get(Article, gone.id) is None


def test_a_language_change_moves_the_article_to_the_other_index(app):
    article = save(status="published", title="Descale the chaleira")
    assert article.id in indexed("en") and indexed("pt") == {}
    moved = save(article_id=article.id, status="published", title="Descale the chaleira", language="pt")
    assert article.id not in indexed("en")
    assert indexed("pt") == {article.id: moved.version}
    assert found("chaleira", "pt") == ["descale-the-boiler"] and found("chaleira", "en") == []


def test_a_slug_is_unique_within_a_language(app):
    first = save()
    with pytest.raises(ConflictError) as error:
        save(title="Another boiler article")
    assert error.value.field == "slug"
    other = save(slug="another-article", title="Another boiler article")
    with pytest.raises(ConflictError):  # nor can an edit take it
        save(article_id=other.id, title="Another boiler article")
    translation = save(language="pt", title="Descalcificar a caldeira")  # the same slug translates it
    assert translation.id != first.id and article_count() == 3


def test_an_edit_made_on_an_older_version_is_refused_and_changes_nothing(any_app):
    article = save(status="published")
    save(article_id=article.id, status="published", title="Descale the boiler today")  # someone else
    current = db.session.get(Article, article.id).version
    with pytest.raises(StaleEditError):
        save(article_id=article.id, expected_version=1, status="published", title="Samovar care")
    stored = db.session.get(Article, article.id)
    assert (stored.title, stored.version) == ("Descale the boiler today", current)
    assert indexed() == {article.id: current} and found("samovar") == []


def test_an_edit_racing_a_committed_one_is_refused(any_app):
    """Read, someone else commits, then save: the version counter catches it at the UPDATE."""
    article = save(status="published")
    session = db.session()
    version = session.get(Article, article.id).version
    session.expire_on_commit = False
    try:
        session.commit()  # the editor's copy stays in memory, as in a long request
    finally:
        session.expire_on_commit = True
    with db.engine.begin() as other_writer:
        other_writer.execute(update(Article.__table__).where(Article.id == article.id)
                             .values(title="Changed elsewhere", version=version + 1))
    with pytest.raises(StaleEditError):
        save(article_id=article.id, status="published", title="Samovar care")
    stored = db.session.get(Article, article.id)
    assert (stored.title, stored.version) == ("Changed elsewhere", version + 1)


@pytest.mark.parametrize(("changes", "field"), [
    ({"slug": "Not A Slug"}, "slug"), ({"slug": ""}, "slug"), ({"slug": "trailing-"}, "slug"),
    ({"language": "xx"}, "language"), ({"language": ""}, "language"),
    ({"title": ""}, "title"), ({"title": "   "}, "title"), ({"title": "t" * 201}, "title"),
    ({"status": "archived"}, "status"), ({"visibility": "secret"}, "status"),
    ({"body": "b" * 200_001}, "body"),
])
def test_invalid_articles_are_refused_naming_the_field(app, changes, field):
    with pytest.raises(DomainError) as error:
        save(**changes)
    assert error.value.field == field and error.value.message
    assert article_count() == 0


def test_markdown_is_stored_as_sanitised_html(app):
    body = ("Hello <script>alert(1)</script> there.\n\n[click me](javascript:alert(2)) "
            "[also](JaVaScRiPt:alert(3)) <img src=x onerror=alert(4)>\n\n[our shop](https://example.com/shop)")
    article = save(body=body, status="published")
    html = db.session.get(Article, article.id).body_html
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert 'href="javascript' not in html.lower() and "onerror=" not in html.replace("onerror=alert(4)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as the text it was
    assert '<a href="https://example.com/shop" rel="noopener noreferrer nofollow">our shop</a>' in html
    assert db.session.get(Article, article.id).body.strip() == body  # the Markdown source is not rewritten


def test_deleting_an_article_takes_its_votes_and_views_and_keeps_the_search_log(any_app):
    article = save(status="published")
    article_id = article.id
    answer = kb_search.search_articles("limescale", language="en", source="help_center", visitor_key="visitor-1")
    kb_search.record_view(article, visitor_key="visitor-1", source="help_center", search_id=answer.search_id)
    kb_search.vote(article_id, visitor_key="visitor-1", helpful=True)
    articles.delete_article(article_id, by=CLI)

    assert db.session.get(Article, article_id) is None and indexed() == {}
    for model in (ArticleVote, KbArticleView):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    search = db.session.get(KbSearch, answer.search_id)
    assert (search.query, search.clicked_article_id) == ("limescale", None)
    with pytest.raises(NotFoundError):
        articles.delete_article(article_id, by=CLI)


# --- Transactions ---------------------------------------------------------------------------


def test_a_rolled_back_transaction_leaves_the_index_untouched(any_app):
    draft = save()
    draft.status = "published"
    db.session.flush()  # the index change is pending now
    db.session.add(Article(language="en", slug="descale-the-boiler", title="Duplicate", body=""))
    with pytest.raises(IntegrityError):
        db.session.commit()  # its flush fails: nothing of this transaction is committed
    db.session.rollback()

    other = save(slug="other", title="Polish the brass", body="Use a soft cloth.", status="published")  # next commit
    assert indexed() == {other.id: other.version}
    assert found("limescale") == [] and db.session.get(Article, draft.id).status == "draft"


def test_a_rolled_back_savepoint_keeps_the_rest_of_the_transaction_s_index_changes(app):
    """Only what the savepoint held is undone: the article published before it commits, and so
    must reach the index."""
    draft = save()
    draft.status = "published"
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Article(language="en", slug="descale-the-boiler", title="Duplicate", body=""))
        db.session.flush()
    db.session.commit()
    assert db.session.get(Article, draft.id).status == "published"
    assert indexed() == {draft.id: db.session.get(Article, draft.id).version}
    assert found("limescale") == ["descale-the-boiler"]


# --- Import and export ----------------------------------------------------------------------


def test_the_starter_articles_import_once(app):
    report = articles.import_directory(STARTER_ARTICLES, by=CLI)
    assert (report.created, report.updated, report.unchanged, report.failed) == (102, 0, 0, [])
    assert {language: len(indexed(language)) for language in ("en", "pt", "nl")} == {"en": 34, "pt": 34, "nl": 34}
    assert db.session.scalar(select(func.count()).select_from(KbCategory).where(KbCategory.language == "en")) > 1

    again = articles.import_directory(STARTER_ARTICLES, by=CLI)
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 102, [])
    assert article_count() == 102


def test_an_edited_file_updates_its_article(app, tmp_path):
    write_article(tmp_path, "en/one.md", article_file("Track your parcel", "track-your-parcel"))
    path = write_article(tmp_path, "en/two.md", article_file("Wrap a present", "wrap-a-present"))
    assert articles.import_directory(tmp_path, by=CLI).created == 2

    path.write_text(article_file("Wrap a present in linen", "wrap-a-present", "Linen keeps."), encoding="utf-8")
    report = articles.import_directory(tmp_path, by=CLI)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert found("linen") == ["wrap-a-present"]
    assert db.session.scalar(select(Article.title).where(Article.slug == "wrap-a-present")) == "Wrap a present in linen"


def test_a_broken_file_is_reported_with_its_reason_and_the_others_land(app, tmp_path):
    write_article(tmp_path, "en/good.md", article_file("Track your parcel", "track-your-parcel"))
    write_article(tmp_path, "en/no-front-matter.md", "Just a body, no front matter.\n")
    write_article(tmp_path, "en/bad-yaml.md", "---\ntitle: [unclosed\nslug: x\n---\nBody\n")
    write_article(tmp_path, "en/bad-slug.md", "---\ntitle: Bad slug\nslug: Bad Slug\n---\nBody\n")
    write_article(tmp_path, "pt/good.md", article_file("Seguir a encomenda", "track-your-parcel", language="pt"))

    report = articles.import_directory(tmp_path, by=CLI)
    assert report.created == 2
    reasons = dict(report.failed)
    assert sorted(reasons) == ["en/bad-slug.md", "en/bad-yaml.md", "en/no-front-matter.md"]
    assert "no front matter" in reasons["en/no-front-matter.md"]
    assert "not valid YAML" in reasons["en/bad-yaml.md"]
    assert "slug" in reasons["en/bad-slug.md"]
    assert found("parcel") == ["track-your-parcel"] and found("encomenda", "pt") == ["track-your-parcel"]


def test_a_file_in_a_language_not_offered_is_reported_by_its_path(app, tmp_path):
    """ImportReport.failed is (file, reason): the file the operator has to fix, not language/slug."""
    write_article(tmp_path, "en/good.md", article_file("Track your parcel", "track-your-parcel"))
    write_article(tmp_path, "en/guten-tag.md", article_file("Guten Tag", "guten-tag", language="de"))
    report = articles.import_directory(tmp_path, by=CLI)
    assert report.created == 1
    assert [path for path, _ in report.failed] == ["en/guten-tag.md"]
    assert "en, pt, nl" in report.failed[0][1]


def test_an_export_imports_back_unchanged_into_a_fresh_app(app, tmp_path):
    articles.import_directory(STARTER_ARTICLES, by=CLI)
    save(slug="work-in-progress", title="Work in progress", tags=("wip",))  # a draft travels too
    exported = tmp_path / "export"
    assert articles.export_articles(exported) == 103
    assert (exported / "en" / "track-your-order.md").is_file() and (exported / "pt" / "track-your-order.md").is_file()

    with fresh_app(tmp_path / "fresh"):
        first = articles.import_directory(exported, by=CLI)
        assert (first.created, first.failed) == (103, [])
        assert db.session.scalar(select(Article.status).where(Article.slug == "work-in-progress")) == "draft"
        again = articles.import_directory(STARTER_ARTICLES, by=CLI)  # the export said what the files said
        assert (again.created, again.updated, again.unchanged) == (0, 0, 102)
        assert articles.export_articles(tmp_path / "export-again") == 103
    for path in exported.rglob("*.md"):
        assert (tmp_path / "export-again" / path.relative_to(exported)).read_text() == path.read_text(), path


def test_re_importing_an_export_of_editor_made_articles_changes_nothing(app, tmp_path):
    """Bodies typed in the editor have no final newline; the files do. Same article all the same."""
    published = save(status="published", category="Care", section="Boilers", tags=("limescale", "vinegar"))
    draft = save(slug="work-in-progress", title="Work in progress", body="Not *yet*.")
    versions = {published.id: published.version, draft.id: draft.version}
    articles.export_articles(tmp_path)
    report = articles.import_directory(tmp_path, by=CLI)
    assert (report.created, report.updated, report.unchanged, report.failed) == (0, 0, 2, [])
    assert {a.id: a.version for a in db.session.scalars(select(Article))} == versions


def test_an_internal_article_stays_internal_through_export_and_import(app, tmp_path):
    """Agents-only articles must not become public by being exported and imported back."""
    article = save(status="published", visibility="internal", title="Refund override for agents",
                   body="Approve a goodwill override.\n")
    articles.export_articles(tmp_path)
    report = articles.import_directory(tmp_path, by=CLI)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert db.session.get(Article, article.id).visibility == "internal"
    assert found("override") == [] and found("override", agents=True) == ["descale-the-boiler"]


# --- Repairs --------------------------------------------------------------------------------


def test_reindex_rebuilds_every_language_from_the_database(app):
    en = save(status="published")
    pt = save(status="published", language="pt", title="Descalcificar a caldeira")
    nl = save(status="published", language="nl", title="De ketel ontkalken")
    save(slug="a-draft", title="A draft")
    ghost = ArticleDocument(article_id=999, version=1, language="en", slug="ghost", title="Ghost", text="limescale")
    index_sync.knowledge_index().write("en", upserts=[ghost])  # something the database does not have
    assert 999 in indexed("en")

    assert index_sync.reindex() == {"en": 1, "nl": 1, "pt": 1}
    assert indexed("en") == {en.id: en.version}
    assert indexed("pt") == {pt.id: pt.version} and indexed("nl") == {nl.id: nl.version}
    assert found("limescale") == ["descale-the-boiler"]


def test_reconcile_repairs_writes_the_index_missed(any_app):
    edited = save(status="published", slug="edited", title="Descale the boiler")
    removed = save(status="published", slug="removed", title="Limescale in the urn")
    kept = save(status="published", slug="kept", title="Limescale in the jug")
    edited_id, edited_version, kept_id, kept_version = edited.id, edited.version, kept.id, kept.version
    assert index_sync.reconcile() == {"en": 0}
    # Writes that never reached the index (another process crashed after its commit):
    db.session.execute(update(Article.__table__).where(Article.id == edited_id)
                       .values(title="Polish the samovar", version=edited_version + 1))
    db.session.execute(delete(Article.__table__).where(Article.id == removed.id))
    db.session.commit()
    assert found("samovar") == [] and "removed" in found("limescale")

    assert index_sync.reconcile() == {"en": 2}
    assert found("samovar") == ["edited"] and sorted(found("limescale")) == ["edited", "kept"]
    assert indexed() == {edited_id: edited_version + 1, kept_id: kept_version}
    assert index_sync.reconcile() == {"en": 0}


def test_reconcile_rebuilds_a_deleted_index_directory(app):
    """A server that has searched, whose index directory is wiped: reconcile puts it back, and the
    server's own searches see the rebuilt index (not the deleted one it had open)."""
    article = save(status="published")
    pt = save(status="published", language="pt", title="Descalcificar a caldeira")
    article_id, version, pt_id, pt_version = article.id, article.version, pt.id, pt.version
    assert found("limescale") == ["descale-the-boiler"]
    shutil.rmtree(index_sync.knowledge_index().root)
    db.session.execute(update(Article.__table__).where(Article.id == article_id)
                       .values(title="Polish the samovar", version=version + 1))  # missed as well
    db.session.commit()

    assert index_sync.reconcile() == {"en": 1, "pt": 1}
    assert indexed("pt") == {pt_id: pt_version}
    assert indexed("en") == {article_id: version + 1}
    assert found("samovar") == ["descale-the-boiler"]


def test_the_first_search_rebuilds_a_missing_index(app):
    save(status="published")
    shutil.rmtree(index_sync.knowledge_index().root, ignore_errors=True)
    assert found("limescale") == ["descale-the-boiler"]
    assert index_sync.knowledge_index().exists("en")


def test_a_search_after_the_index_was_deleted_under_a_running_server_rebuilds_it(app):
    save(status="published")
    assert found("limescale") == ["descale-the-boiler"]  # the server has an index open
    shutil.rmtree(index_sync.knowledge_index().root)
    assert found("limescale") == ["descale-the-boiler"]
    assert index_sync.knowledge_index().exists("en")
