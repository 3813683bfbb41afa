"""The customer page shows the customer's NPS answers (score, group, comment, when) in their own
card and on the journey map, and the group as a badge beside the stage."""

from __future__ import annotations

from app.services import survey_answers
from app.services.feedback.surveys import Answer
from tests.api.test_widget_nps import asked  # noqa: F401  (fixture)
from tests.services.test_nps import buyer, visitor


def test_the_customer_page_shows_the_answer_and_the_detractor_badge(client, admin, asked):  # noqa: F811
    survey = survey_answers.answer_as_visitor(visitor(), asked, Answer(score=3, comment="<b>Late</b> again"))
    html = client.get(f"/console/customers/{survey.customer_id}").get_data(as_text=True)
    assert '<span class="badge badge--flag-detractor">Detractor</span>' in html
    card = html[html.index('id="customer-nps"'):html.index('id="customer-history"')]
    assert f'data-nps-answer="{asked}"' in card and ">3<span" in card and "“&lt;b&gt;Late&lt;/b&gt; again”" in card
    assert "asked in retention" in card and "<b>Late" not in html
    assert "Answered NPS" in html and "score 3 · detractor: “&lt;b&gt;Late&lt;/b&gt; again”" in html


def test_a_customer_without_answers_has_an_empty_live_region_for_the_first(client, admin):
    customer = buyer()
    html = client.get(f"/console/customers/{customer.id}").get_data(as_text=True)
    assert '<div id="customer-nps" data-live-region hidden></div>' in html and "NPS answers" not in html
