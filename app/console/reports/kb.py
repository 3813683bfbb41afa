"""The console's Knowledge base › Reports and › Content gaps tabs, and "Start a draft" from a gap.
Registered on the console blueprint by `register(bp)` in app/console/__init__.py. Every signed-in
agent may open them (starting a draft is writing an article, which every agent may do)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.auth.access import current_actor
from app.console.forms import GapDraftForm, ReportFilterForm
from app.help_center.strings import language_name
from app.services.errors import DomainError
from app.services.knowledge import gaps, reports


def _filtered(template: str, build):
    """A tab's page for the filters in the query string: the service's answer, or the form's
    messages and the service's refusal (a bad range) in the page, with 400."""
    form = ReportFilterForm(request.args)
    result, status = None, 400
    if form.validate():
        try:
            result, status = build(**form.to_range()), 200
        except DomainError as exc:
            form.form_errors.append(exc.message)
    return render_template(template, form=form, result=result, language_name=language_name), status


@login_required
def kb_reports_page():
    """Knowledge base › Reports: searches, zero results, click-through, deflection, by query and language."""
    return _filtered("console/kb/reports.html", reports.knowledge_base_report)


@login_required
def kb_gaps_page():
    """Knowledge base › Content gaps: what customers searched for and did not find, grouped."""
    return _filtered("console/kb/gaps.html", gaps.content_gaps)


@login_required
def start_kb_draft():
    """POST label, language, examples-N → a draft article for that gap, then its editor."""
    form = GapDraftForm()
    if not form.validate_on_submit():
        flash("The draft could not be started. Reload the page and try again.", "error")
        return redirect(url_for("console.kb_gaps_page"))
    try:
        article = gaps.start_draft(form.label.data, form.examples.data, form.language.data, by=current_actor())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("console.kb_gaps_page"))
    flash(f"Draft \u201c{article.title}\u201d started: write the answer and publish it.", "success")
    return redirect(url_for("console.kb_article", article_id=article.id))


def register(bp: Blueprint) -> None:
    """Add these pages to the console blueprint (called before the blueprint is registered)."""
    bp.add_url_rule("/kb/reports", view_func=kb_reports_page, methods=["GET"])
    bp.add_url_rule("/kb/gaps", view_func=kb_gaps_page, methods=["GET"])
    bp.add_url_rule("/kb/gaps/draft", view_func=start_kb_draft, methods=["POST"])
