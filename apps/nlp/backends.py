"""Which backend answers which kind of analysis, from settings. Model names a request may use are
the configured ones only; anything else is a 400 naming the ``model`` field."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError

from .engine import entities, language
from .engine.sentiment import LexiconSentiment, SentimentBackend, TransformersSentiment

LEXICON = "lexicon"
EXTRACTIVE = "extractive"


@cache
def _lexicon() -> LexiconSentiment:
    return LexiconSentiment()


def sentiment_models() -> list[str]:
    return [LEXICON, *settings.NLP_SENTIMENT_MODELS]


def sentiment_backend(model: str | None = None) -> SentimentBackend:
    name = model or settings.NLP_SENTIMENT_DEFAULT
    if name == LEXICON:
        return _lexicon()
    path = settings.NLP_SENTIMENT_MODELS.get(name)
    if path is None:
        raise ValidationError(
            {"model": f"Unknown sentiment model {name!r}; configured: {', '.join(sentiment_models())}."}
        )
    return _transformers_sentiment(name, path)


@cache
def _transformers_sentiment(name: str, path: str) -> TransformersSentiment:
    return TransformersSentiment(model_name=name, path=path)


def summary_models() -> list[str]:
    return [EXTRACTIVE, *settings.NLP_SUMMARY_MODELS]


def summary_model(model: str | None = None) -> tuple[str, str | None]:
    """``(name, path)``; the path is None for the extractive summariser."""
    name = model or settings.NLP_SUMMARY_DEFAULT
    if name == EXTRACTIVE:
        return name, None
    path = settings.NLP_SUMMARY_MODELS.get(name)
    if path is None:
        raise ValidationError({"model": f"Unknown summary model {name!r}; configured: {', '.join(summary_models())}."})
    return name, path


def spacy_pipeline():
    return entities.load_pipeline(settings.NLP_SPACY_MODEL)


def detect_language(text: str) -> dict:
    return language.detect(text, codes=tuple(settings.NLP_LANGUAGES))


def warm() -> None:
    """Load the default models now (worker start), not on the first request."""
    sentiment_backend().score_texts(["warm up"])
    spacy_pipeline()
    detect_language("warm up the language detector")
