"""The site's search synonyms (Settings › Knowledge base): one group a line per language, replacing
the built-in defaults (knowledge_base/synonyms.py) once a language has any of its own."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from app.extensions import db
from app.models import KbSynonymGroup
from app.services.errors import DomainError
from app.services.knowledge import search
from app.services.knowledge.articles import languages
from app.services.platform import audit
from app.services.platform.audit import Actor
from knowledge_base.synonyms import DEFAULT_SYNONYMS

MAX_GROUPS = 200
MAX_LINE_CHARS = 500  # KbSynonymGroup.terms holds this much
MAX_MEMBER_CHARS = 60
FIELD = "synonyms"


@dataclass(frozen=True)
class LanguageSynonyms:
    """One language's groups for the settings form: the admin's text ("" = none) and the defaults."""

    language: str
    text: str
    defaults: tuple[str, ...]

    @property
    def uses_defaults(self) -> bool:
        return not self.text


def _group(number: int, line: str) -> str:
    """One line as a stored group ("refund, money back"), or a DomainError naming the line."""
    members: list[str] = []
    for member in (part.strip() for part in line.split(",")):
        if len(member) > MAX_MEMBER_CHARS:
            raise DomainError(f"Line {number}: “{member[:20]}…” is longer than {MAX_MEMBER_CHARS} characters.",
                              field=FIELD)
        if member and member.casefold() not in (m.casefold() for m in members):
            members.append(member)
    if len(members) < 2:
        raise DomainError(f"Line {number} needs at least two words or phrases separated by commas, "
                          "like “refund, money back”.", field=FIELD)
    group = ", ".join(members)
    if len(group) > MAX_LINE_CHARS:
        raise DomainError(f"Line {number} is longer than {MAX_LINE_CHARS} characters.", field=FIELD)
    return group


def parse_groups(text: str) -> list[str]:
    """The groups of a textarea, one a line (blank lines skipped); DomainError on the first bad line."""
    lines = [(number, line) for number, line in enumerate((text or "").splitlines(), start=1) if line.strip()]
    if len(lines) > MAX_GROUPS:
        raise DomainError(f"Keep to {MAX_GROUPS} groups; there are {len(lines)}.", field=FIELD)
    return [_group(number, line) for number, line in lines]


def save_synonyms(language: str, text: str, *, by: Actor) -> list[str]:
    """Replace a language's synonym groups with those of `text` (empty: back to the built-in
    defaults), audit-logged, in one commit; searches in this process use them at once, other
    processes within kb_search.CACHE_SECONDS. Returns the groups saved."""
    if language not in languages():
        raise DomainError(f"The language must be one of {', '.join(languages())}.", field="language")
    groups = parse_groups(text)
    db.session.execute(delete(KbSynonymGroup).where(KbSynonymGroup.language == language))
    db.session.add_all(KbSynonymGroup(language=language, terms=group) for group in groups)
    audit.record("kb.synonyms_saved", actor=by, details={"language": language, "groups": len(groups)})
    db.session.commit()
    search.invalidate_cache()
    return groups


def synonym_text(language: str) -> str:
    """A language's own groups, one a line, as the form shows them ("" when it uses the defaults)."""
    return "\n".join(db.session.scalars(select(KbSynonymGroup.terms).where(KbSynonymGroup.language == language)
                                        .order_by(KbSynonymGroup.id)))


def synonym_settings() -> list[LanguageSynonyms]:
    """Every offered language's groups, the default language first, for Settings › Knowledge base."""
    return [LanguageSynonyms(language, synonym_text(language), DEFAULT_SYNONYMS.get(language, ()))
            for language in languages()]
