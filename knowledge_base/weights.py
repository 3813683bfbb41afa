"""How matches are scored: BM25F with field weights, tuned on the relevance set (tests/knowledge_base)."""

from __future__ import annotations

from whoosh import scoring

# Weights per part of an article, applied to term frequencies at indexing (BM25F): a word in the
# title says more about the article than one in the body. Changing them needs a reindex.
FIELD_WEIGHTS = {"title": 3.0, "tags": 2.0, "body": 1.0}
CORRECTION_BOOST = 0.9  # a word we corrected counts a little less than one typed right
SYNONYM_BOOST = 0.4  # a synonym the customer did not type, less again
PREFIX_BOOST = 0.7  # completions of a word still being typed


def weighting() -> scoring.WeightingModel:
    """BM25 over the weighted content field."""
    return scoring.BM25F(B=0.75, K1=1.2)
