"""Articles as Markdown files with YAML front matter: reading (with reasons for what is wrong) and writing.

A file is
    ---
    title: Track your order        # required
    slug: track-your-order         # required: lowercase words joined by hyphens
    language: en                   # default: the site's language
    status: published              # or draft; default published
    visibility: public             # or internal (agents only); default public
    category: Orders
    section: Placing an order
    tags: [tracking, parcel]
    ---
    The body, in Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LANGUAGE = re.compile(r"[a-z]{2}")
STATUSES = ("published", "draft")
VISIBILITIES = ("public", "internal")
MAX_BYTES = 1_000_000
MAX_TAGS, MAX_TAG_CHARS = 30, 60


class ArticleFileError(ValueError):
    """A file that cannot be imported, and why."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class ArticleFile:
    title: str
    slug: str
    body: str
    language: str
    status: str = "published"
    category: str = ""
    section: str = ""
    tags: tuple[str, ...] = ()
    visibility: str = "public"
    path: str = field(default="", compare=False)  # the file it came from, for error reports


def parse(text: str, *, path: str = "<text>", default_language: str = "en") -> ArticleFile:
    """One file's article, or ArticleFileError saying what is wrong."""
    match = re.match(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", text, re.S)
    if not match:
        raise ArticleFileError(path, "no front matter: the file must start with a '---' line, then YAML, then '---'")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise ArticleFileError(path, f"front matter is not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(meta, dict):
        raise ArticleFileError(path, "front matter must be a mapping of keys to values")
    return ArticleFile(
        title=_text(meta, "title", path, required=True, limit=200),
        slug=_matching(meta, "slug", SLUG, path, limit=120, required=True),
        body=match.group(2).strip() + "\n",
        language=_matching(meta, "language", LANGUAGE, path, limit=2) or default_language,
        status=_status(meta, path),
        category=_text(meta, "category", path, limit=100),
        section=_text(meta, "section", path, limit=100),
        tags=_tags(meta, path),
        visibility=_visibility(meta, path),
        path=path,
    )


def _text(meta: dict, key: str, path: str, *, required: bool = False, limit: int) -> str:
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ArticleFileError(path, f"'{key}' is required")
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ArticleFileError(path, f"'{key}' must be text")
    value = str(value).strip()
    if len(value) > limit:
        raise ArticleFileError(path, f"'{key}' is longer than {limit} characters")
    return value


def _matching(meta: dict, key: str, pattern: re.Pattern, path: str, *, limit: int, required: bool = False) -> str:
    value = _text(meta, key, path, required=required, limit=limit)
    if value and not pattern.fullmatch(value):
        example = "lowercase words joined by hyphens" if key == "slug" else "a two-letter code such as en"
        raise ArticleFileError(path, f"'{key}' must be {example}, not {value!r}")
    return value


def _status(meta: dict, path: str) -> str:
    status = _text(meta, "status", path, limit=20) or "published"
    if status not in STATUSES:
        raise ArticleFileError(path, f"'status' must be published or draft, not {status!r}")
    return status


def _visibility(meta: dict, path: str) -> str:
    visibility = _text(meta, "visibility", path, limit=20) or "public"
    if visibility not in VISIBILITIES:
        raise ArticleFileError(path, f"'visibility' must be public or internal, not {visibility!r}")
    return visibility


def _tags(meta: dict, path: str) -> tuple[str, ...]:
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list) or not all(isinstance(t, (str, int)) for t in tags):
        raise ArticleFileError(path, "'tags' must be a list of words")
    cleaned = tuple(dict.fromkeys(str(t).strip().lower() for t in tags if str(t).strip()))
    if len(cleaned) > MAX_TAGS or any(len(t) > MAX_TAG_CHARS for t in cleaned):
        raise ArticleFileError(path, f"'tags' allows at most {MAX_TAGS} tags of {MAX_TAG_CHARS} characters")
    return cleaned


def read_dir(directory: str | Path, *, default_language: str = "en") -> Iterator[ArticleFile | ArticleFileError]:
    """Every *.md file under the directory, in path order: an article, or the error that file has."""
    root = Path(directory)
    for path in sorted(root.rglob("*.md")):
        name = str(path.relative_to(root))
        try:
            if path.stat().st_size > MAX_BYTES:
                raise ArticleFileError(name, f"larger than {MAX_BYTES // 1000} kB")
            yield parse(path.read_text(encoding="utf-8"), path=name, default_language=default_language)
        except UnicodeDecodeError:
            yield ArticleFileError(name, "not UTF-8 text")
        except ArticleFileError as exc:
            yield exc


def dump(article: ArticleFile) -> str:
    """The file text for an article (parse(dump(a)) == a)."""
    meta = {"title": article.title, "slug": article.slug, "language": article.language, "status": article.status}
    if article.visibility != "public":
        meta["visibility"] = article.visibility
    if article.category:
        meta["category"] = article.category
    if article.section:
        meta["section"] = article.section
    # One key per line; tags as one flow list ("tags: [tracking, parcel]"), as people write them.
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    if article.tags:
        front += yaml.safe_dump({"tags": list(article.tags)}, allow_unicode=True, default_flow_style=None, width=1000)
    return f"---\n{front}---\n{article.body.strip()}\n"


def write(directory: str | Path, article: ArticleFile) -> Path:
    """Write the article to directory/<language>/<slug>.md."""
    path = Path(directory) / article.language / f"{article.slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(article), encoding="utf-8")
    return path
