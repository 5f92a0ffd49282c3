"""Sentiment backends behind one interface: a finance-aware lexicon (default) or a transformers model."""

from dataclasses import asdict, dataclass, field
from typing import Protocol

from .finance_phrases import score_sentence
from .loader import get_model
from .sentences import split_sentences

POSITIVE_AT = 0.05  # VADER's usual thresholds on the compound score
NEGATIVE_AT = -0.05


@dataclass
class SentimentScore:
    label: str  # positive | negative | neutral
    score: float  # -1 (most negative) … +1 (most positive)


@dataclass
class SentenceSentiment(SentimentScore):
    text: str = ""
    start: int = 0
    end: int = 0


@dataclass
class SentimentResult(SentimentScore):
    sentences: list[SentenceSentiment] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def label_for(score: float) -> str:
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


class SentimentBackend(Protocol):
    name: str
    model: str
    languages: frozenset[str]

    def score_texts(self, texts: list[str]) -> list[SentimentScore]: ...


def analyse(backend: SentimentBackend, text: str) -> dict:
    """Whole-text sentiment plus one score per sentence: ``{label, score, sentences: [...]}``."""
    return analyse_many(backend, [text])[0]


def analyse_many(backend: SentimentBackend, texts: list[str]) -> list[dict]:
    """Several texts with one call to the backend (a model batches them all)."""
    split = [split_sentences(text) for text in texts]
    inputs = [
        piece for text, sentences in zip(texts, split, strict=True) for piece in [text, *(s.text for s in sentences)]
    ]
    scores = iter(backend.score_texts(inputs))
    results = []
    for sentences in split:
        overall = next(scores)
        per_sentence = [
            SentenceSentiment(label=sc.label, score=sc.score, text=s.text, start=s.start, end=s.end)
            for s, sc in zip(sentences, scores, strict=False)
        ]
        results.append(SentimentResult(label=overall.label, score=overall.score, sentences=per_sentence).as_dict())
    return results


class LexiconSentiment:
    """Finance phrases (what a move means depends on what moves) over VADER + Loughran–McDonald (English).

    Each sentence is scored by ``finance_phrases.score_sentence``; a text's score is the mean of its
    sentences' scores.
    """

    name = "lexicon"
    model = "finance-phrases-1+vader-3.3.2+loughran-mcdonald"
    languages = frozenset({"en"})

    def _lexicon(self) -> dict[str, float]:
        def build():
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            from .lexicon import finance_lexicon

            words = dict(SentimentIntensityAnalyzer().lexicon)
            words.update(finance_lexicon(words))
            return words

        return get_model("sentiment:lexicon", build)

    def score_texts(self, texts: list[str]) -> list[SentimentScore]:
        words = self._lexicon()
        out = []
        for text in texts:
            pieces = [s.text for s in split_sentences(text)] or [text]
            compound = sum(score_sentence(piece, words) for piece in pieces) / len(pieces)
            out.append(SentimentScore(label=label_for(compound), score=round(compound, 4)))
        return out


def _canonical_label(raw: str, index: int, count: int) -> str:
    lowered = raw.lower()
    for canonical in ("positive", "negative", "neutral"):
        if lowered.startswith(canonical[:3]):
            return canonical
    # LABEL_n: the usual orders are (negative, positive) and (negative, neutral, positive).
    order = ["negative", "positive"] if count == 2 else ["negative", "neutral", "positive"]
    return order[index] if index < len(order) else "neutral"


class TransformersSentiment:
    """A text-classification model from a local path (or the local Hugging Face cache)."""

    name = "transformers"
    languages = frozenset({"*"})  # the model decides; no language gate

    def __init__(self, *, model_name: str, path: str, batch_size: int = 32):
        self.model = model_name
        self.path = path
        self.batch_size = batch_size

    def _pipeline(self):
        def build():
            from transformers import pipeline

            return pipeline("text-classification", model=self.path, tokenizer=self.path, top_k=None, device=-1)

        return get_model(f"sentiment:transformers:{self.path}", build)

    def score_texts(self, texts: list[str]) -> list[SentimentScore]:
        pipe = self._pipeline()
        id2label = pipe.model.config.id2label
        label_index = {label: int(i) for i, label in id2label.items()}
        outputs = pipe(texts, batch_size=self.batch_size, truncation=True)
        results = []
        for ranked in outputs:
            probs = {"positive": 0.0, "negative": 0.0, "neutral": 0.0}
            for item in ranked:
                probs[_canonical_label(item["label"], label_index.get(item["label"], 0), len(id2label))] += item[
                    "score"
                ]
            score = probs["positive"] - probs["negative"]
            label = max(probs, key=probs.get)
            results.append(SentimentScore(label=label, score=round(score, 4)))
        return results
