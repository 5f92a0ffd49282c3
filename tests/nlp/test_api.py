import pytest
from rest_framework.test import APIClient

from apps.core.models import Job
from apps.nlp import services
from apps.nlp.models import Analysis
from tests.factories import AnalysisFactory, UserFactory
from tests.fakes.anthropic_server import error, message

pytestmark = pytest.mark.django_db

NEWS = (
    "Apple shares soar after record quarterly profit beats estimates. Tim Cook said demand in China was strong. "
    "Analysts at Morgan Stanley raised their price target to $250."
)


def post(client, kind, **body):
    return client.post(f"/api/v1/nlp/{kind}/", body, format="json")


def test_sentiment(auth_client, user):
    response = post(auth_client, "sentiment", text=NEWS)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["result"]["label"] == "positive"
    assert (body["backend"], body["model"], body["cached"]) == (
        "lexicon",
        "finance-phrases-1+vader-3.3.2+loughran-mcdonald",
        False,
    )
    assert len(body["result"]["sentences"]) == 3
    stored = Analysis.objects.get(pk=body["id"])
    assert stored.owner == user and stored.kind == "sentiment" and len(stored.input_hash) == 64


def test_each_kind_answers(auth_client):
    entities = post(auth_client, "entities", text=NEWS).json()
    assert {"Apple", "Tim Cook", "China", "Morgan Stanley"} <= {e["text"] for e in entities["result"]["entities"]}
    summary = post(auth_client, "summarize", text=NEWS, max_length=20, min_length=5).json()
    assert summary["backend"] == "extractive" and len(summary["result"]["summary"].split()) <= 20
    lang = post(auth_client, "language", text=NEWS).json()
    assert lang["result"]["language"] == "en"
    kws = post(auth_client, "keywords", text=NEWS, top=5).json()
    assert len(kws["result"]["keywords"]) == 5 and kws["result"]["language"] == "en"


def test_identical_requests_are_served_from_the_cache(auth_client, user):
    first = post(auth_client, "entities", text=NEWS).json()
    second = post(auth_client, "entities", text=NEWS).json()
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["result"] == first["result"]
    other_options = post(auth_client, "keywords", text=NEWS, top=3).json()
    assert other_options["cached"] is False
    assert Analysis.objects.filter(owner=user).count() == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n "}, "text"),
        ({}, "text"),
        ({"text": 123}, "text"),
        ({"text": ["a", "b"]}, "text"),
        ({"text": None}, "text"),
        ({"text": "Fine text here.", "model": "gpt-17"}, "model"),
        ({"text": "Fine text here.", "language": "english"}, "language"),
        ({"text": "Fine text here.", "language": "de"}, "language"),
    ],
)
def test_bad_sentiment_input_names_the_field_and_stores_nothing(auth_client, body, field):
    response = auth_client.post("/api/v1/nlp/sentiment/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Analysis.objects.exists()


def test_text_over_the_limit_is_413_with_the_limit(auth_client, settings):
    response = post(auth_client, "language", text="a" * (settings.NLP_MAX_TEXT_CHARS + 1))
    assert response.status_code == 413
    error_body = response.json()["error"]
    assert error_body["code"] == "text_too_long"
    assert "100,000" in error_body["message"]
    assert "text" in error_body["fields"]
    assert not Analysis.objects.exists()


def test_invalid_utf8_body_and_lone_surrogates(auth_client):
    raw = auth_client.post("/api/v1/nlp/sentiment/", data=b'{"text": "caf\xe9"}', content_type="application/json")
    assert raw.status_code == 400
    assert "UTF-8" in raw.json()["error"]["message"]
    surrogate = auth_client.post(
        "/api/v1/nlp/sentiment/", data=b'{"text": "bad \\ud800 text"}', content_type="application/json"
    )
    assert surrogate.status_code == 400
    assert "text" in surrogate.json()["error"]["fields"]
    assert not Analysis.objects.exists()


def test_unsupported_language_is_refused_by_english_backends(auth_client):
    german = "Die Aktien von Apple stiegen kräftig, nachdem der Konzern einen Rekordgewinn meldete."
    for kind in ("sentiment", "entities"):
        response = post(auth_client, kind, text=german)
        assert response.status_code == 400
        assert "German" in response.json()["error"]["fields"]["text"][0]
    assert post(auth_client, "language", text=german).json()["result"]["language"] == "de"
    assert post(auth_client, "sentiment", text=german, language="en").status_code == 200  # the caller insists


def test_configured_transformers_models(auth_client, configured_models, fresh_models):
    sentiment = post(auth_client, "sentiment", text=NEWS, model="tiny-sentiment").json()
    assert (sentiment["backend"], sentiment["model"], sentiment["result"]["label"]) == (
        "transformers",
        "tiny-sentiment",
        "positive",
    )
    summary = post(auth_client, "summarize", text=NEWS, model="tiny-bart", max_length=8, min_length=2).json()
    assert (summary["backend"], summary["model"]) == ("transformers", "tiny-bart")
    models = auth_client.get("/api/v1/nlp/models/").json()
    assert models["sentiment"] == ["lexicon", "tiny-sentiment", "tiny-binary"]
    assert models["summarize"] == ["extractive", "tiny-bart"]


def test_summary_lengths_are_checked(auth_client):
    response = post(auth_client, "summarize", text=NEWS, max_length=10, min_length=50)
    assert response.status_code == 400 and "min_length" in response.json()["error"]["fields"]


def test_generate_without_a_key_is_503(auth_client, settings):
    settings.ANTHROPIC_API_KEY = ""
    response = post(auth_client, "generate", text="Write a haiku about bonds.")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "generation_unavailable"
    assert "ANTHROPIC_API_KEY" in response.json()["error"]["message"]


def test_generate_through_claude(auth_client, claude):
    claude.queue(529, error("overloaded_error", "Overloaded"))
    claude.queue(200, message("Bonds rest, yields drift by."))
    response = post(auth_client, "generate", text="Write a haiku about bonds.", max_tokens=64, effort="low")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["result"]["text"] == "Bonds rest, yields drift by."
    assert body["result"]["usage"] == {"input_tokens": 12, "output_tokens": 7}
    assert body["backend"] == "anthropic" and body["model"] == "claude-test-1"
    assert len(claude.requests) == 2  # the SDK retried the overloaded answer
    sent = claude.requests[-1]
    assert sent["path"] == "/v1/messages"
    assert sent["headers"]["authorization"] == "Bearer sk-ant-test"
    assert sent["json"]["max_tokens"] == 64 and sent["json"]["messages"][0]["content"] == "Write a haiku about bonds."
    assert sent["json"]["output_config"] == {"effort": "low"} and sent["json"]["model"] == "claude-sonnet-5-5"


def test_generate_upstream_failure_is_503_without_details(auth_client, claude):
    claude.queue(401, error("authentication_error", "invalid x-api-key"))
    response = post(auth_client, "generate", text="Hello")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "generation_failed"
    assert "x-api-key" not in response.json()["error"]["message"]
    assert not Analysis.objects.exists()


def test_history_is_the_owners_only(auth_client, user, other_user):
    post(auth_client, "language", text=NEWS)
    theirs = AnalysisFactory(owner=other_user)
    listed = auth_client.get("/api/v1/nlp/analyses/").json()
    assert [a["kind"] for a in listed["results"]] == ["language"]
    assert auth_client.get(f"/api/v1/nlp/analyses/{theirs.pk}/").status_code == 404
    assert auth_client.get("/api/v1/nlp/analyses/?kind=bogus").status_code == 400


def run_job(client, path, body, capture):
    with capture(execute=True):
        response = client.post(path, body, format="json")
    assert response.status_code == 202, response.json()
    return response.json(), client.get(response.json()["url"]).json()


def test_batch_job_with_downloads(auth_client, django_capture_on_commit_callbacks):
    texts = [
        f"Shares of Company {i} soar after strong earnings." if i % 2 else f"Company {i} stock plunges."
        for i in range(120)
    ]
    accepted, job = run_job(
        auth_client, "/api/v1/nlp/batch/", {"kind": "sentiment", "texts": texts}, django_capture_on_commit_callbacks
    )
    assert job["status"] == "succeeded" and job["progress"] == 100
    assert job["result"]["count"] == 120
    labels = [item["result"]["label"] for item in job["result"]["items"]]
    assert labels[:4] == ["negative", "positive", "negative", "positive"]
    as_json = auth_client.get(accepted["download"])
    assert as_json["Content-Disposition"].endswith('.json"') and as_json.json()["count"] == 120
    as_csv = auth_client.get(accepted["download"] + "?format=csv").content.decode().splitlines()
    assert as_csv[0] == "index,text,label,score" and len(as_csv) == 121
    assert auth_client.get(accepted["download"] + "?format=xml").status_code == 400


def test_batch_entities_use_the_pipe(auth_client, django_capture_on_commit_callbacks):
    _, job = run_job(
        auth_client,
        "/api/v1/nlp/batch/",
        {"kind": "entities", "texts": [NEWS, "Microsoft hired Jane Doe."]},
        django_capture_on_commit_callbacks,
    )
    second = job["result"]["items"][1]["result"]["entities"]
    assert {(e["text"], e["label"]) for e in second} >= {("Microsoft", "ORG"), ("Jane Doe", "PERSON")}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "sentiment", "texts": []}, 400, "texts"),
        ({"kind": "sentiment", "texts": ["ok", ""]}, 400, "texts[1]"),
        ({"kind": "sentiment", "texts": ["ok", 5]}, 400, "texts"),
        ({"kind": "generate", "texts": ["ok"]}, 400, "kind"),
        ({"kind": "sentiment", "texts": ["ok"], "options": {"model": "nope"}}, 400, "model"),
        ({"kind": "keywords", "texts": ["ok"], "options": {"top": 0}}, 400, "options"),
        ({"kind": "sentiment", "texts": ["x"] * 1001}, 413, "texts"),
    ],
)
def test_bad_batches(auth_client, body, status, field):
    response = auth_client.post("/api/v1/nlp/batch/", body, format="json")
    assert response.status_code == status, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Job.objects.exists()


def test_batch_download_waits_for_success_and_is_owner_only(auth_client, other_user):
    job = Job.objects.create(owner=other_user, kind="nlp.batch", params={"texts": []})
    assert auth_client.get(f"/api/v1/nlp/batch/{job.id}/download/").status_code == 404
    mine = Job.objects.create(owner=UserFactory(), kind="nlp.batch", params={"texts": []})
    client = APIClient()
    client.force_authenticate(mine.owner)
    response = client.get(f"/api/v1/nlp/batch/{mine.id}/download/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_ready"


def test_topics_from_documents_and_from_history(auth_client, django_capture_on_commit_callbacks):
    docs = [
        "apple iphone sales revenue",
        "iphone apple services growth",
        "apple mac revenue",
        "oil prices opec crude",
        "crude oil opec output",
        "opec oil crude brent",
    ]
    _, job = run_job(
        auth_client,
        "/api/v1/nlp/topics/",
        {"documents": docs, "n_topics": 2, "top_terms": 3},
        django_capture_on_commit_callbacks,
    )
    assert job["status"] == "succeeded", job
    assert len(job["result"]["topics"]) == 2 and job["result"]["source"] == "documents"
    assert [d["id"] for d in job["result"]["documents"]] == [str(i) for i in range(6)]

    for doc in docs:
        post(auth_client, "language", text=doc)
    _, from_history = run_job(
        auth_client, "/api/v1/nlp/topics/", {"corpus": "history", "n_topics": 2}, django_capture_on_commit_callbacks
    )
    assert from_history["result"]["source"] == "history" and len(from_history["result"]["documents"]) == 6


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"corpus": "nope"}, "corpus"),
        ({"documents": ["one", "two"]}, "documents"),
        ({"corpus": "history"}, "corpus"),  # no history yet
        ({"documents": ["a", "b", "c"], "n_topics": 1}, "n_topics"),
    ],
)
def test_bad_topic_requests(auth_client, body, field):
    response = auth_client.post("/api/v1/nlp/topics/", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_news_sentiment_service_for_the_market_app():
    scored = services.score_news(texts=["Nvidia soars on record demand.", "Retailer files for bankruptcy."])
    assert [s["label"] for s in scored] == ["positive", "negative"]
    assert all(s["backend"] == "lexicon" for s in scored)
