"""`flask kb ...`: import (counts, failures on stderr and exit 1), export, reindex and reconcile."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from app.extensions import db
from app.models import Article
from app.services.knowledge import articles, index_sync
from app.services.knowledge.articles import ArticleInput
from app.services.platform.audit import CLI
from knowledge_base import transfer


def write(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def article_file(title: str, slug: str, language: str = "en", status: str = "published") -> str:
    return f"---\ntitle: {title}\nslug: {slug}\nlanguage: {language}\nstatus: {status}\n---\nAbout {title.lower()}.\n"


def publish(title: str, slug: str, language: str = "en") -> Article:
    return articles.save_article(ArticleInput(title=title, slug=slug, body=f"About {title}.", language=language,
                                                 status="published"), by=CLI)


def test_import_prints_the_counts(runner, tmp_path):
    write(tmp_path, "en/track.md", article_file("Track your parcel", "track-your-parcel"))
    write(tmp_path, "pt/track.md", article_file("Seguir a encomenda", "track-your-parcel", language="pt"))
    write(tmp_path, "en/draft.md", article_file("Coming soon", "coming-soon", status="draft"))
    result = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output == "3 created, 0 updated, 0 unchanged, 0 failed.\n"
    assert sorted(db.session.scalars(select(Article.language + "/" + Article.slug))) == [
        "en/coming-soon", "en/track-your-parcel", "pt/track-your-parcel"]

    again = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert (again.exit_code, again.output) == (0, "0 created, 0 updated, 3 unchanged, 0 failed.\n")


def test_a_broken_file_is_named_with_its_reason_and_the_import_exits_1(runner, tmp_path):
    write(tmp_path, "en/good.md", article_file("Track your parcel", "track-your-parcel"))
    write(tmp_path, "en/broken.md", "No front matter here.\n")
    result = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("failed: en/broken.md: no front matter")
    assert result.stdout == "1 created, 0 updated, 0 unchanged, 1 failed.\n"
    assert db.session.scalar(select(Article.title)) == "Track your parcel"  # the good file landed


def test_import_needs_an_existing_directory(runner, tmp_path):
    result = runner.invoke(args=["kb", "import", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_export_writes_one_file_per_article(runner, tmp_path):
    publish("Track your parcel", "track-your-parcel")
    publish("Seguir a encomenda", "track-your-parcel", language="pt")
    out = tmp_path / "out"
    result = runner.invoke(args=["kb", "export", str(out)])
    assert (result.exit_code, result.output) == (0, f"2 articles written to {out}.\n")
    written = transfer.parse((out / "pt" / "track-your-parcel.md").read_text(encoding="utf-8"))
    assert (written.title, written.language, written.status) == ("Seguir a encomenda", "pt", "published")
    assert (out / "en" / "track-your-parcel.md").is_file()

    only = runner.invoke(args=["kb", "export", str(tmp_path / "pt-only"), "--language", "pt"])
    assert only.exit_code == 0 and only.output.startswith("1 articles written")
    assert [p.relative_to(tmp_path / "pt-only").as_posix() for p in (tmp_path / "pt-only").rglob("*.md")] == [
        "pt/track-your-parcel.md"]


def test_reindex_and_reconcile_report_per_language(runner):
    first = publish("Track your parcel", "track-your-parcel")
    publish("Wrap a present", "wrap-a-present")
    publish("Seguir a encomenda", "track-your-parcel", language="pt")
    result = runner.invoke(args=["kb", "reindex"])
    assert (result.exit_code, result.output) == (0, "en: 2 articles indexed.\npt: 1 article indexed.\n")

    assert runner.invoke(args=["kb", "reconcile"]).output == "en: 0 fixed.\npt: 0 fixed.\n"
    db.session.execute(update(Article.__table__).where(Article.id == first.id)
                       .values(title="Follow your parcel", version=first.version + 1))  # a write the index missed
    db.session.commit()
    result = runner.invoke(args=["kb", "reconcile"])
    assert (result.exit_code, result.output) == (0, "en: 1 fixed.\npt: 0 fixed.\n")
    assert index_sync.knowledge_index().versions("en")[first.id] == db.session.get(Article, first.id).version
