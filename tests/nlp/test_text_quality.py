"""Keywords, relations and summaries judged on small hand-labelled cases."""

import pytest

from apps.nlp.engine import entities, keywords, summarize

RATES = (
    "The central bank raised interest rates by a quarter point on Wednesday, its fifth increase this year, "
    "as inflation stayed well above target. Policymakers said inflation had proved more persistent than "
    "expected and that further rate rises could follow. Mortgage lenders quickly passed the higher rates on "
    "to borrowers, and house prices fell for a third month. Bank shares rose on hopes of wider lending margins."
)


@pytest.fixture(scope="module")
def nlp():
    from django.conf import settings

    return entities.load_pipeline(settings.NLP_SPACY_MODEL)


def test_keywords_are_distinct_lemmatised_themes(nlp):
    found = [k["keyword"] for k in keywords.extract(RATES, top=8, nlp=nlp)]
    assert len(found) == 8
    lowered = [k.lower() for k in found]
    # no keyword is contained in (or shares a word with) a higher-ranked one
    for rank, keyword in enumerate(lowered):
        for better in lowered[:rank]:
            assert not set(keyword.split()) & set(better.split()), (keyword, better)
    assert "inflation" in lowered[:5]
    assert "interest rate" in lowered and "central bank" in lowered  # lemmatised: "rates" → "rate"
    assert not any(word in k for k in lowered for word in ("wednesday", "raised", "stayed"))


def test_keywords_without_a_pipeline_still_deduplicate():
    found = [k["keyword"].lower() for k in keywords.extract(RATES, top=6)]
    for rank, keyword in enumerate(found):
        assert all(not set(keyword.split()) & set(b.split()) - {"the"} for b in found[:rank])


# (text, expected (subject, verb, object) triples that must be found, objects that must not appear)
RELATIONS = [
    (
        "Microsoft agreed on Tuesday to buy Activision Blizzard for $68.7 billion in cash.",
        {("Microsoft", "buy", "Activision Blizzard")},
        {"Tuesday"},
    ),
    (
        "The central bank raised interest rates on Wednesday and signalled further increases.",
        {("The central bank", "raise", "interest rates"), ("The central bank", "signal", "further increases")},
        {"Wednesday"},
    ),
    ("Apple acquired a startup in March.", {("Apple", "acquire", "a startup")}, {"March"}),
    (
        "Halvorsen Group named Anna Berg as chief financial officer.",
        {("Halvorsen Group", "name", "Anna Berg")},
        set(),
    ),
    ("Shareholders approved the merger at 9 a.m. on Friday.", {("Shareholders", "approve", "the merger")}, {"9 a.m."}),
]


@pytest.mark.parametrize(("text", "expected", "never"), RELATIONS)
def test_relations_on_a_hand_labelled_set(nlp, text, expected, never):
    found = entities.extract(nlp, text)["relations"]
    triples = {(r["subject"], r["verb"], r["object"]) for r in found}
    assert expected <= triples
    assert not any(bad in r["object"] for r in found for bad in never)


def test_dates_are_objects_only_when_asked(nlp):
    doc = nlp("Microsoft agreed on Tuesday to buy Activision Blizzard.")
    assert ("agree on", "Tuesday") in {(r["verb"], r["object"]) for r in entities.relations(doc, include_times=True)}
    assert "Tuesday" not in {r["object"] for r in entities.relations(doc)}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Shares of Activision Blizzard rose.", "Activision Blizzard"),
        ("Analysts like Halvorsen Group this year.", "Halvorsen Group"),
        ("We met Brandt Holdings in Oslo.", "Brandt Holdings"),
    ],
)
def test_companies_are_organisations(nlp, text, name):
    assert (name, "ORG") in {(e["text"], e["label"]) for e in entities.extract(nlp, text)["entities"]}


def test_a_short_text_is_never_its_own_summary():
    text = "Revenue rose 10%. Costs fell. The board met on Thursday."
    result = summarize.extractive(text, max_length=60, min_length=10)
    assert result["summary"] and result["summary"] != text
    assert len(result["sentences"]) == 2
    assert summarize.extractive("Only one sentence here.", max_length=60, min_length=1)["summary"]
