import pytest

from apps.nlp import services
from apps.nlp.models import Analysis
from tests.factories import AnalysisFactory

pytestmark = pytest.mark.django_db

TEXT = "Apple shares soar after record profit. Tim Cook met investors in London."


def test_the_page_analyses_everything_at_once(client, user):
    client.force_login(user)
    assert client.get("/nlp/").status_code == 200
    response = client.post("/nlp/", {"text": TEXT})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<mark class="ent ent-org" title="ORG" data-label="ORG">Apple</mark>' in html
    assert '<mark class="ent ent-person" title="PERSON" data-label="PERSON">Tim Cook</mark>' in html
    assert 'class="sent sent-positive"' in html
    assert 'data-testid="sentiment-label">positive' in html
    assert "English" in html
    # one Analyse is one history row, holding every kind's answer
    row = Analysis.objects.get(owner=user)
    assert row.kind == "page"
    assert set(row.result) == {"sentiment", "entities", "summarize", "language", "keywords"}
    assert row.result["sentiment"]["result"]["label"] == "positive"
    assert row.result["summarize"]["result"]["summary"] != TEXT


def test_htmx_gets_the_results_partial(client, user):
    client.force_login(user)
    response = client.post("/nlp/", {"text": TEXT}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="nlp-results")
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'data-testid="nlp-entities"' in response.content


def test_text_is_escaped(client, user):
    client.force_login(user)
    html = client.post("/nlp/", {"text": "<script>alert(1)</script> Apple rallies."}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_errors_show_in_the_form_and_per_analysis(client, user):
    client.force_login(user)
    empty = client.post("/nlp/", {"text": "   "})
    assert empty.status_code == 400 and "Enter some text to analyse." in empty.content.decode()
    htmx_empty = client.post("/nlp/", {"text": ""}, HTTP_HX_REQUEST="true")
    assert htmx_empty.status_code == 200 and b"nlp-form-error" in htmx_empty.content
    german = client.post(
        "/nlp/", {"text": "Die Aktien von Apple stiegen kräftig nach einem Rekordgewinn."}
    ).content.decode()
    assert "looks like German" in german  # sentiment and entities refuse it …
    assert 'data-testid="nlp-language"' in german  # … the language panel still answers
    refused = Analysis.objects.get(owner=user)
    assert "looks like German" in refused.result["sentiment"]["error"]
    assert "result" in refused.result["language"]


def test_analysis_detail_and_topics_pages(client, user, other_user, django_capture_on_commit_callbacks):
    client.force_login(user)
    client.post("/nlp/", {"text": TEXT})
    page = Analysis.objects.get(owner=user, kind="page")
    assert b"Tim Cook" in client.get(f"/nlp/analyses/{page.pk}/").content
    entities = services.analyse_text(owner=user, kind="entities", text=TEXT)
    assert b'data-label="PERSON"' in client.get(f"/nlp/analyses/{entities.pk}/").content
    theirs = AnalysisFactory(owner=other_user)
    assert client.get(f"/nlp/analyses/{theirs.pk}/").status_code == 404

    assert client.get("/nlp/topics/").status_code == 200
    for text in ["oil opec crude prices", "crude oil opec supply", "fed rates inflation", "inflation fed rate hike"]:
        client.post("/nlp/", {"text": text})
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/nlp/topics/", {"corpus": "history", "n_topics": 2, "top_terms": 3})
    assert started.status_code == 302
    result = client.get(started["Location"]).content.decode()
    assert 'id="topics-data"' in result and "topic-chart" in result
    too_many = client.post("/nlp/topics/", {"corpus": "history", "n_topics": 30, "top_terms": 3})
    assert too_many.status_code == 400 and "needs at least 30 documents" in too_many.content.decode()
