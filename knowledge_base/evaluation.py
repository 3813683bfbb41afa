"""Relevance measured on a set of questions with known answers: hit@1, hit@5 and MRR per language."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Question:
    text: str
    language: str
    answers: frozenset[str]  # slugs that answer it (the best one and any equally good)


@dataclass
class Metrics:
    questions: int = 0
    hit_at_1: float = 0.0
    hit_at_5: float = 0.0
    mrr: float = 0.0
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (question, answer, top 3)

    def as_dict(self) -> dict:
        return {"questions": self.questions, "hit_at_1": round(self.hit_at_1, 3),
                "hit_at_5": round(self.hit_at_5, 3), "mrr": round(self.mrr, 3)}


def load(path: str | Path) -> list[Question]:
    """Questions from a YAML list of {q, lang, answer, also}."""
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [Question(i["q"], i["lang"], frozenset([i["answer"], *(i.get("also") or [])])) for i in items]


def evaluate(questions: Iterable[Question], ranked_slugs: Callable[[Question], list[str]]) -> Metrics:
    """Score a search function (question -> slugs, best first) on the questions."""
    metrics = Metrics()
    reciprocal = top1 = top5 = 0.0
    for question in questions:
        slugs = ranked_slugs(question)[:10]
        rank = next((i + 1 for i, slug in enumerate(slugs) if slug in question.answers), None)
        metrics.questions += 1
        if rank:
            reciprocal += 1 / rank
            top1 += rank == 1
            top5 += rank <= 5
        if rank != 1:
            metrics.misses.append((question.text, "/".join(sorted(question.answers)), slugs[:3]))
    if metrics.questions:
        metrics.hit_at_1 = top1 / metrics.questions
        metrics.hit_at_5 = top5 / metrics.questions
        metrics.mrr = reciprocal / metrics.questions
    return metrics
