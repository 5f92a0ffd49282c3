import pytest

from apps.core.models import Job
from apps.nlp.services import split_documents

pytestmark = pytest.mark.django_db

PASTED_LINES = "oil opec crude prices\ncrude oil opec supply\nfed rates inflation\ninflation fed rate hike\n"
PASTED_BLOCKS = "oil opec\ncrude prices\n\ncrude oil opec supply\n\n\nfed rates inflation\n  \ninflation fed rate hike"


def test_split_documents():
    assert split_documents(PASTED_LINES) == [
        "oil opec crude prices",
        "crude oil opec supply",
        "fed rates inflation",
        "inflation fed rate hike",
    ]
    assert split_documents(PASTED_BLOCKS)[0] == "oil opec crude prices"
    assert len(split_documents(PASTED_BLOCKS)) == 4
    assert split_documents("  \n\n ") == []


@pytest.fixture
def page(client, user):
    client.force_login(user)
    return client


def test_the_page_says_the_minimum(page):
    html = page.get("/nlp/topics/").content.decode()
    assert "Or paste documents" in html and "needs at least 3 documents" in html


@pytest.mark.parametrize("pasted", [PASTED_LINES, PASTED_BLOCKS])
def test_pasted_documents_are_modelled(page, user, pasted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        started = page.post("/nlp/topics/", {"documents": pasted, "n_topics": 2, "top_terms": 3})
    assert started.status_code == 302
    job = Job.objects.get(owner=user, kind="nlp.topics")
    assert job.params["source"] == "documents" and len(job.params["documents"]) == 4
    assert 'id="topics-data"' in page.get(started["Location"]).content.decode()


def test_too_few_pasted_documents_say_how_many(page, user):
    response = page.post("/nlp/topics/", {"documents": PASTED_LINES, "n_topics": 5, "top_terms": 3})
    assert response.status_code == 400
    html = response.content.decode()
    assert "5 topics need at least 5 documents; you pasted 4" in html
    assert not Job.objects.filter(owner=user).exists()


def test_a_failed_default_explains_the_fix(page, user):
    response = page.post("/nlp/topics/", {"corpus": "", "n_topics": 2, "top_terms": 3})
    assert response.status_code == 400
    html = response.content.decode()
    assert "needs at least 3 documents" in html and "Or paste your own documents" in html
    assert "Store news first" in html or "Analyse more texts" in html
    assert not Job.objects.filter(owner=user).exists()
