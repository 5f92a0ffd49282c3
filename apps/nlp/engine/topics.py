"""Topic modelling: NMF on TF-IDF (scikit-learn), for a corpus of short documents such as news."""

import numpy as np


def fit_topics(documents: list[str], *, n_topics: int, top_terms: int = 8, random_state: int = 0) -> dict:
    """Topics with their top terms and weights, and each document's topic weights (rows sum to 1)."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        stop_words="english",
        max_df=0.95,
        min_df=2 if len(documents) >= 20 else 1,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z-]+\b",  # noqa: S106 - a regex, not a password
    )
    matrix = vectorizer.fit_transform(documents)
    n_topics = min(n_topics, matrix.shape[0], matrix.shape[1])
    model = NMF(n_components=n_topics, init="nndsvda", random_state=random_state, max_iter=400)
    weights = model.fit_transform(matrix)
    terms = vectorizer.get_feature_names_out()
    topics = []
    for index, component in enumerate(model.components_):
        best = np.argsort(-component)[:top_terms]
        topics.append(
            {
                "topic": index,
                "terms": [
                    {"term": str(terms[i]), "weight": round(float(component[i]), 4)} for i in best if component[i] > 0
                ],
            }
        )
    totals = weights.sum(axis=1, keepdims=True)
    shares = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    return {
        "topics": topics,
        "documents": [
            {
                "index": i,
                "weights": [round(float(w), 4) for w in row],
                "topic": int(np.argmax(row)) if row.any() else None,
            }
            for i, row in enumerate(shares)
        ],
        "vocabulary_size": len(terms),
    }
