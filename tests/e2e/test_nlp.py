"""Run an analysis in the browser and check the highlighted entities and sentiment colours."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _warm_models():
    """As a production worker does at start: the live server runs in this process and shares them."""
    from apps.nlp import backends

    backends.warm()


def test_analyse_text_and_see_entities_highlighted(page, live_server, sign_in):
    sign_in(UserFactory())
    page.goto(f"{live_server.url}/nlp/")
    page.get_by_label("Text").fill("Apple shares soar after record profit. Tim Cook met investors in London on Monday.")
    page.get_by_role("button", name="Analyse").click()
    entities = page.get_by_test_id("entities-text")
    expect(entities.locator('mark[data-label="ORG"]')).to_have_text("Apple")
    expect(entities.locator('mark[data-label="PERSON"]')).to_have_text("Tim Cook")
    expect(entities.locator('mark[data-label="GPE"]')).to_have_text("London")
    # Labels are drawn by CSS and entity colours differ by label.
    org_bg = entities.locator('mark[data-label="ORG"]').evaluate("el => getComputedStyle(el).backgroundColor")
    person_bg = entities.locator('mark[data-label="PERSON"]').evaluate("el => getComputedStyle(el).backgroundColor")
    assert org_bg != person_bg
    expect(page.get_by_test_id("sentiment-label")).to_contain_text("positive")
    expect(page.locator("mark.sent-positive").first).to_contain_text("Apple shares soar")
    expect(page.get_by_test_id("nlp-language")).to_contain_text("English")
    expect(page.get_by_test_id("nlp-history").locator("li")).to_have_count(1)  # one Analyse, one history row
    assert page.console_errors == []


def test_topics_chart(page, live_server, sign_in):
    sign_in(UserFactory())
    for text in [
        "oil opec crude prices rise",
        "crude oil opec supply cut",
        "fed rates inflation policy",
        "inflation fed rate hike bonds",
    ]:
        page.goto(f"{live_server.url}/nlp/")
        page.get_by_label("Text").fill(text)
        page.get_by_role("button", name="Analyse").click()
        expect(page.get_by_test_id("nlp-language")).to_be_visible()
    page.goto(f"{live_server.url}/nlp/topics/")
    page.get_by_label("Corpus").select_option("history")  # the default is the market news, empty here
    page.get_by_label("Topics").fill("2")
    page.get_by_label("Terms per topic").fill("3")
    page.get_by_role("button", name="Find topics").click()
    charts = page.get_by_test_id("topics-charts").locator("canvas.topic-chart")
    expect(charts).to_have_count(2)
    expect(charts.first).to_have_attribute("data-drawn", "1")
    assert page.console_errors == []


def test_pick_a_news_item_to_analyse(page, live_server, sign_in):
    from apps.market import services as market

    market.add_news(
        items=[
            {
                "headline": "Nvidia shares surge on record data-center sales",
                "source": "Wire",
                "url": "https://example.com/n1",
                "published_at": "2024-01-01T00:00:00Z",
            }
        ]
    )
    sign_in(UserFactory())
    page.goto(f"{live_server.url}/nlp/")
    page.get_by_label("Or pick a news item").select_option(index=1)
    expect(page.get_by_label("Text")).to_have_value("Nvidia shares surge on record data-center sales.")
    page.get_by_role("button", name="Analyse").click()
    expect(page.get_by_test_id("sentiment-label")).to_contain_text("positive")
    expect(page.get_by_test_id("entities-text").locator('mark[data-label="ORG"]')).to_have_text("Nvidia")
