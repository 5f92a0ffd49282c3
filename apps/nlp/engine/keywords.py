"""Keyphrases with YAKE (unsupervised, per document, no model to load), deduplicated by theme.

YAKE ranks overlapping n-grams of one phrase side by side ("central bank raised", "bank raised
interest"). The answer keeps a candidate only if it shares no content word (compared as lemmas)
with a better-ranked keyword already kept, so no keyword is contained in a higher-ranked one and
the top-k spans the text's distinct themes. Keywords are shown lemmatised when a spaCy pipeline is
given ("rates" → "rate"), in the text's own casing otherwise.
"""

CANDIDATE_FACTOR = 5  # YAKE candidates read per keyword returned


NOUN_LIKE = {"NOUN", "PROPN", "ADJ"}
HEADS = {"NOUN", "PROPN"}
NOT_THEMES = {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"}


def _word_info(nlp, text: str) -> dict[str, tuple[str, str]]:
    """lowercase word → (lemma, part of speech) as the text uses it; dates and numbers marked."""
    if nlp is None:
        return {}
    info: dict[str, tuple[str, str]] = {}
    with nlp.select_pipes(
        enable=[p for p in ("tok2vec", "tagger", "attribute_ruler", "lemmatizer", "ner") if p in nlp.pipe_names]
    ):
        doc = nlp(text)
    for t in doc:
        if not t.is_alpha:
            continue
        pos = "DATE" if t.ent_type_ in NOT_THEMES else t.pos_
        lemma = t.text if t.pos_ == "PROPN" else t.lemma_.lower()
        info.setdefault(t.text.lower(), (lemma, pos))
    return info


def _is_theme(words: list[str], info: dict[str, tuple[str, str]]) -> bool:
    """A noun phrase: nouns and adjectives, ending in a noun (no verbs, dates or function words)."""
    if not info:
        return True
    tags = [info.get(w.lower(), ("", "X"))[1] for w in words]
    return all(tag in NOUN_LIKE for tag in tags) and tags[-1] in HEADS


def extract(text: str, *, language: str = "en", top: int = 10, max_ngram: int = 3, nlp=None) -> list[dict]:
    import yake

    extractor = yake.KeywordExtractor(lan=language, n=max_ngram, top=top * CANDIDATE_FACTOR, dedupLim=0.7)
    ranked = extractor.extract_keywords(text)
    info = _word_info(nlp, text) if language == "en" else {}
    stop = extractor.stopword_set
    kept: list[tuple[str, float]] = []
    seen_words: set[str] = set()
    for phrase, score in ranked:
        words = phrase.split()
        if not _is_theme(words, info):
            continue
        lemmas = [info[w.lower()][0] if w.lower() in info else w for w in words]
        content = {w.lower() for w in lemmas if w.lower() not in stop}
        if not content or content & seen_words:
            continue
        seen_words |= content
        shown = " ".join(lemmas)
        kept.append((shown, score))
        if len(kept) == top:
            break
    # YAKE scores: lower is more relevant. `relevance` rescales to (0, 1], higher is better.
    best = min((score for _, score in kept), default=1.0) or 1e-9
    return [
        {
            "keyword": phrase,
            "score": round(float(score), 6),
            "relevance": round(float(best / score), 4) if score else 1.0,
        }
        for phrase, score in kept
    ]
