"""Search synonyms (app/services/knowledge/synonyms.py): validation naming the line, replacing a language's
groups in one audited commit, the built-in defaults when empty, and searches using them at once."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEvent, KbSynonymGroup
from app.services.errors import DomainError
from app.services.knowledge import articles, search, synonyms
from app.services.knowledge.articles import ArticleInput
from app.services.platform.audit import CLI
from knowledge_base.synonyms import DEFAULT_SYNONYMS


def _groups(language: str = "en") -> list[str]:
    return list(db.session.scalars(db.select(KbSynonymGroup.terms).where(KbSynonymGroup.language == language)
                                   .order_by(KbSynonymGroup.id)))


@pytest.mark.parametrize(("text", "message"), [
    ("refund", "Line 1 needs at least two words or phrases"),
    ("refund, money back\n\nparcel,  , PARCEL", "Line 3 needs at least two"),  # blank lines count, repeats do not
    ("refund, " + "x" * 61, "Line 1: “xxxxxxxxxxxxxxxxxxxx…” is longer than 60 characters."),
    ("a, b\n" + ", ".join(f"word{n:03d}" for n in range(70)), "Line 2 is longer than 500 characters."),
    ("\n".join(f"w{n}, v{n}" for n in range(201)), "Keep to 200 groups; there are 201."),
])
def test_a_bad_text_is_refused_naming_the_line(app, text, message):
    synonyms.save_synonyms("en", "samovar, tea urn", by=CLI)
    with pytest.raises(DomainError) as refused:
        synonyms.save_synonyms("en", text, by=CLI)
    assert message in refused.value.message and refused.value.field == "synonyms"
    assert _groups() == ["samovar, tea urn"]  # nothing changed


def test_limits_are_inclusive(app):
    text = "\n".join([", ".join(["a" * 60, "b" * 60])] + [f"w{n}, v{n}" for n in range(199)])
    assert len(synonyms.save_synonyms("en", text, by=CLI)) == 200


def test_an_unknown_language_is_refused(app):
    with pytest.raises(DomainError) as refused:
        synonyms.save_synonyms("xx", "a, b", by=CLI)
    assert refused.value.field == "language"


def test_saving_replaces_the_language_groups_in_one_audited_commit(app):
    assert synonyms.save_synonyms("en", " refund ,money back,, Refund \nparcel, package", by=CLI) == [
        "refund, money back", "parcel, package"]
    synonyms.save_synonyms("pt", "reembolso, estorno", by=CLI)
    assert synonyms.save_synonyms("en", "samovar, tea urn", by=CLI) == ["samovar, tea urn"]
    assert _groups("en") == ["samovar, tea urn"] and _groups("pt") == ["reembolso, estorno"]
    assert synonyms.synonym_text("en") == "samovar, tea urn"
    details = list(db.session.scalars(db.select(AuditEvent.details).where(AuditEvent.action == "kb.synonyms_saved")
                                      .order_by(AuditEvent.id)))
    assert details == [{"language": "en", "groups": 2}, {"language": "pt", "groups": 1},
                       {"language": "en", "groups": 1}]


def test_an_empty_text_brings_back_the_defaults(app):
    synonyms.save_synonyms("en", "samovar, tea urn", by=CLI)
    assert search.synonyms_for("en") == ("samovar, tea urn",)
    assert synonyms.save_synonyms("en", "  \n", by=CLI) == []
    assert synonyms.synonym_text("en") == "" and search.synonyms_for("en") == DEFAULT_SYNONYMS["en"]
    settings = {s.language: s for s in synonyms.synonym_settings()}
    assert list(settings) == ["en", "pt", "nl"] and settings["en"].uses_defaults
    assert settings["nl"].defaults == DEFAULT_SYNONYMS["nl"]


def test_search_uses_the_groups_as_soon_as_they_are_saved(app):
    def publish(title: str, body: str):
        return articles.save_article(ArticleInput(title=title, slug=articles.slugify(title), body=body,
                                                     language="en", status="published"), by=CLI)

    samovar = publish("Descaling the samovar", "Fill the samovar with water and vinegar overnight.")
    # A synonym is looked up for words the articles use: the boiler article makes "boiler" one.
    boiler = publish("Choosing an electric boiler", "A boiler heats water for the whole house.")

    def found(text: str) -> list[int]:
        hits = search.search_articles(text, language="en", source="console", agents=True, log=False).hits
        return sorted(hit.article_id for hit in hits)

    assert found("boiler") == [boiler.id]  # searched once: the defaults are cached now
    synonyms.save_synonyms("en", "samovar, boiler", by=CLI)
    assert found("boiler") == sorted([samovar.id, boiler.id])
    synonyms.save_synonyms("en", "", by=CLI)
    assert found("boiler") == [boiler.id]
