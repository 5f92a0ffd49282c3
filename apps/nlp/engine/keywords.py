"""Keyphrases with YAKE (unsupervised, per document, no model to load)."""


def extract(text: str, *, language: str = "en", top: int = 10, max_ngram: int = 3) -> list[dict]:
    import yake

    extractor = yake.KeywordExtractor(lan=language, n=max_ngram, top=top, dedupLim=0.8)
    ranked = extractor.extract_keywords(text)
    # YAKE scores: lower is more relevant. `relevance` rescales to (0, 1], higher is better.
    best = min((score for _, score in ranked), default=1.0) or 1e-9
    return [
        {
            "keyword": phrase,
            "score": round(float(score), 6),
            "relevance": round(float(best / score), 4) if score else 1.0,
        }
        for phrase, score in ranked
    ]
