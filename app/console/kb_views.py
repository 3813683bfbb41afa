"""The console's Knowledge base: the article list, the editor with its live preview, delete, and
Settings › Knowledge base (search synonyms). Registered on the console blueprint by `register(bp)`
in app/console/__init__.py.

Every agent may write, publish and delete articles; only admins change the synonyms.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.access import admin_required, current_actor
from app.console.forms import ActionForm, ArticleFilterForm, ArticleForm, PreviewForm, SynonymsForm, article_form_data
from app.help_center.strings import language_name
from app.services.errors import DomainError, NotFoundError, StaleEditError
from app.services.knowledge import articles, lookup, synonyms
from app.services.knowledge import editor as kb_editor
from app.services.knowledge.editor import ArticleEditor

FORM_FIELDS = ("title", "slug", "language", "category", "section", "tags", "status", "visibility", "body")
STALE = ("Someone changed this article after you opened it. Your text is kept below: save again to replace "
         "their version, or open the article in another tab to compare.")
GONE = "Someone deleted this article after you opened it. Your text is kept below: save it as a new article."


def _editor_page(form: ArticleForm, editor: ArticleEditor, *, status: int = 200):
    return render_template("console/kb/edit.html", form=form, editor=editor, article=editor.article,
                           language_name=language_name), status


def _refused(form: ArticleForm, exc: DomainError, article_id: int | None):
    """The editor again with the typed text and the service's message next to the field it names.
    An article deleted meanwhile comes back as a new one, so that the text can still be saved."""
    gone = isinstance(exc, NotFoundError)
    editor = kb_editor.article_editor(article_id) if article_id and not gone else kb_editor.new_article_editor(
        language=form.language.data)
    if gone:
        form.form_errors.append(GONE)
    elif isinstance(exc, StaleEditError):
        form.version.data = str(editor.article.version)  # saving again now replaces the colleague's version
        form.form_errors.append(STALE)
    elif exc.field in FORM_FIELDS:
        form[exc.field].errors = [*form[exc.field].errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    return _editor_page(form, editor, status=exc.status)


def _saved(article):
    where = "published in the help center" if article.is_published and article.visibility == "public" else (
        "published for agents" if article.is_published else "saved as a draft")
    flash(f"\u201c{article.title}\u201d {where}.", "success")
    return redirect(url_for("console.kb_article", article_id=article.id))


@login_required
def kb_articles_page():
    """Knowledge base: every article (drafts and internal ones too), filtered, newest change first."""
    form = ArticleFilterForm(request.args)
    listing = kb_editor.list_articles(form.to_filter())
    form.set_categories(listing.categories)
    return render_template("console/kb/index.html", form=form, listing=listing, language_name=language_name)


@login_required
def new_kb_article():
    """The editor for a new article; ?translation_of=<id>&language=<code> starts a translation."""
    editor = kb_editor.new_article_editor(translation_of=request.args.get("translation_of", type=int),
                                          language=request.args.get("language"))
    return _editor_page(ArticleForm(data=article_form_data(editor.draft)), editor)


@login_required
def create_kb_article():
    """Save a new article (audit-logged); published, it reaches the help center and search at once."""
    form = ArticleForm()
    if not form.validate_on_submit():
        return _editor_page(form, kb_editor.new_article_editor(language=form.language.data), status=400)
    try:
        article = articles.save_article(form.to_input(), by=current_actor())
    except DomainError as exc:
        return _refused(form, exc, None)
    return _saved(article)


@login_required
def kb_article(article_id: int):
    """The editor of one article, with its counts, public link, translations and Delete."""
    editor = kb_editor.article_editor(article_id)
    form = ArticleForm(data={**article_form_data(editor.draft), "version": str(editor.article.version)})
    return _editor_page(form, editor)


@login_required
def update_kb_article(article_id: int):
    """Save an article; an edit made on a version a colleague has since changed is refused, text kept."""
    form = ArticleForm()
    if not form.validate_on_submit():
        return _editor_page(form, kb_editor.article_editor(article_id), status=400)
    try:
        article = articles.save_article(form.to_input(), by=current_actor(), article_id=article_id,
                                           expected_version=form.opened_version())
    except DomainError as exc:
        return _refused(form, exc, article_id)
    return _saved(article)


@login_required
def delete_kb_article(article_id: int):
    """Delete an article with its votes and views (audit-logged); it leaves the help center at once."""
    if ActionForm().validate_on_submit():
        try:
            articles.delete_article(article_id, by=current_actor())
            flash("Article deleted.", "success")
        except NotFoundError:  # a second click, or a colleague was quicker
            flash("That article does not exist any more.", "info")
    return redirect(url_for("console.kb_articles_page"))


@login_required
def preview_kb_article():
    """POST body=<Markdown> → {"html": …}: the sanitised HTML the help center would show (nothing saved)."""
    form = PreviewForm()
    if not form.validate_on_submit():
        return jsonify(error={"code": "invalid", "message": "The preview could not be made."}), 400
    return jsonify(html=kb_editor.preview(form.body.data or ""))


def _link(found: lookup.ArticleLink) -> dict:
    # Public articles link to the help center (what a customer can open); internal ones to the editor.
    url = (url_for("console.kb_article", article_id=found.article_id, _external=True) if found.internal else
           url_for("help_center.show_article", lang=found.language, slug=found.slug, _external=True))
    return {"title": found.title, "url": url, "snippet": found.snippet, "internal": found.internal,
            "language": found.language}


def kb_lookup_json():
    """GET ?q=&lang= → {"articles": [...]}: the composer's knowledge-base search (public and internal
    articles, up to 8, not logged). Anonymous → 401 JSON; an unknown lang → 400 JSON."""
    if not current_user.is_authenticated:  # JSON for fetch(), not login_required's redirect
        return jsonify(error={"code": "unauthorized", "message": "Sign in again to search."}), 401
    try:
        found = lookup.lookup_articles(request.args.get("q", "", type=str), language=request.args.get("lang"))
    except DomainError as exc:
        return jsonify(error={"code": exc.code, "message": exc.message}), exc.status
    return jsonify(articles=[_link(f) for f in found])


def _settings_page(forms: dict[str, SynonymsForm] | None = None, *, status: int = 200):
    settings = synonyms.synonym_settings()
    # formdata=None: after a refused save the other languages show what is stored, not the post
    forms = {s.language: (forms or {}).get(s.language)
             or SynonymsForm(language=s.language, formdata=None, data={"synonyms": s.text}) for s in settings}
    return render_template("console/settings/knowledge_base.html", settings=settings, forms=forms,
                           language_name=language_name), status


@admin_required
def kb_settings():
    """Settings › Knowledge base: each language's search synonyms."""
    return _settings_page()


@admin_required
def save_kb_synonyms(language: str):
    """Replace one language's synonym groups (audit-logged); a refused line is named next to the field."""
    if language not in articles.languages():
        abort(404)
    form = SynonymsForm(language=language)
    if form.validate_on_submit():
        try:
            groups = synonyms.save_synonyms(language, form.synonyms.data or "", by=current_actor())
        except DomainError as exc:
            form.synonyms.errors = [*form.synonyms.errors, exc.message]
        else:
            flash(f"{language_name(language)}: {len(groups)} synonym groups saved." if groups else
                  f"{language_name(language)}: back to the built-in synonym groups.", "success")
            return redirect(url_for("console.kb_settings"))
    return _settings_page({language: form}, status=400)


def register(bp: Blueprint) -> None:
    """Add the knowledge-base pages and Settings › Knowledge base to the console blueprint."""
    bp.add_url_rule("/kb", view_func=kb_articles_page, methods=["GET"])
    bp.add_url_rule("/kb/new", view_func=new_kb_article, methods=["GET"])
    bp.add_url_rule("/kb/new", view_func=create_kb_article, methods=["POST"])
    bp.add_url_rule("/kb/preview", view_func=preview_kb_article, methods=["POST"])
    bp.add_url_rule("/kb/lookup", view_func=kb_lookup_json, methods=["GET"])
    bp.add_url_rule("/kb/<int:article_id>", view_func=kb_article, methods=["GET"])
    bp.add_url_rule("/kb/<int:article_id>", view_func=update_kb_article, methods=["POST"])
    bp.add_url_rule("/kb/<int:article_id>/delete", view_func=delete_kb_article, methods=["POST"])
    bp.add_url_rule("/settings/knowledge-base", view_func=kb_settings, methods=["GET"])
    bp.add_url_rule("/settings/knowledge-base/<string(length=2):language>", view_func=save_kb_synonyms,
                    methods=["POST"])
