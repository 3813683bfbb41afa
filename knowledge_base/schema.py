"""The Whoosh schema of one language's index: the analyzer is the language's own."""

from __future__ import annotations

from whoosh import fields, formats

from knowledge_base.analysis import WordsAnalyzer, analyzer_for

# Bumped whenever the schema or the analysis changes: an index built with another version is rebuilt.
SCHEMA_VERSION = 3


def schema_for(language: str) -> fields.Schema:
    """Fields: ids and filters (article_id, category, visibility), and one scored text field.

    `content` holds title, tags and body together, each token weighted by where it came from
    (scoring.FIELD_WEIGHTS): the weighted term frequency of BM25F in one posting list, so a query
    word reads one list, not three. It keeps positions for phrase queries. Title, tags and body are
    stored so that results and snippets need no database read. `words` holds each article's distinct
    words unstemmed, only to know which words exist (spelling, completion).
    """
    analyzer = analyzer_for(language)
    return fields.Schema(
        article_id=fields.ID(stored=True, unique=True),
        version=fields.STORED(),
        slug=fields.STORED(),
        category=fields.ID(stored=True),
        visibility=fields.ID(),
        title=fields.STORED(),
        body=fields.STORED(),
        tags=fields.STORED(),
        content=fields.TEXT(analyzer=analyzer, phrase=True),
        words=fields.FieldType(formats.Existence(), analyzer=WordsAnalyzer(language), scorable=False),
    )
