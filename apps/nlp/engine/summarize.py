"""Summaries: extractive (TextRank over TF-IDF sentence similarity) or abstractive (a configured model)."""

import numpy as np

from .loader import get_model
from .sentences import split_sentences

DAMPING = 0.85


def rank_sentences(sentences: list[str], *, iterations: int = 50) -> np.ndarray:
    """TextRank: PageRank over the cosine-similarity graph of the sentences' TF-IDF vectors."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(sentences) == 1:
        return np.ones(1)
    try:
        vectors = TfidfVectorizer(stop_words="english").fit_transform(sentences)
    except ValueError:  # only stop words
        return np.ones(len(sentences)) / len(sentences)
    similarity = (vectors @ vectors.T).toarray()
    np.fill_diagonal(similarity, 0.0)
    totals = similarity.sum(axis=1, keepdims=True)
    transition = np.divide(similarity, totals, out=np.full_like(similarity, 1 / len(sentences)), where=totals > 0)
    scores = np.ones(len(sentences)) / len(sentences)
    for _ in range(iterations):
        scores = (1 - DAMPING) / len(sentences) + DAMPING * transition.T @ scores
    return scores


def extractive(text: str, *, max_length: int, min_length: int) -> dict:
    """The best-ranked sentences, in their original order, within ``max_length`` words
    (and at least ``min_length`` words when the text has them). A summary is shorter than its text:
    a text of several sentences never comes back whole, however short it is."""
    sentences = split_sentences(text)
    if not sentences:
        return {"summary": "", "sentences": []}
    scores = rank_sentences([s.text for s in sentences])
    most = max(1, len(sentences) - 1)
    chosen, words = [], 0
    for index in np.argsort(-scores, kind="stable"):
        if len(chosen) == most:
            break
        length = len(sentences[index].text.split())
        if words + length > max_length and words >= min_length:
            continue
        chosen.append(int(index))
        words += length
        if words >= max_length:
            break
    chosen.sort()
    return {
        "summary": " ".join(sentences[i].text for i in chosen),
        "sentences": [
            {
                "text": sentences[i].text,
                "start": sentences[i].start,
                "end": sentences[i].end,
                "score": round(float(scores[i]), 4),
            }
            for i in chosen
        ],
    }


def abstractive(path: str, text: str, *, max_length: int, min_length: int) -> dict:
    """A summarisation model (tokens, not words, bound the length)."""

    def build():
        from transformers import pipeline

        return pipeline("summarization", model=path, tokenizer=path, device=-1)

    pipe = get_model(f"summarize:{path}", build)
    output = pipe(
        text, max_new_tokens=max_length, min_new_tokens=min(min_length, max_length), truncation=True, do_sample=False
    )
    return {"summary": output[0]["summary_text"].strip(), "sentences": []}
