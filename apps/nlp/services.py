"""Writes of the nlp app: analyses (stored, cached), batch and topic jobs, text generation, and the
news-sentiment service the market app calls."""

import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from rest_framework.exceptions import APIException

from apps.core import services as core_services
from apps.core.errors import PayloadTooLarge, describe
from apps.core.jobs import JobError
from apps.core.metrics import model_inference
from apps.core.models import Job

from . import backends
from .engine import aggregate, keywords, sentiment, summarize, topics
from .engine import entities as entity_engine
from .models import Analysis
from .providers import claude

Kind = Analysis.Kind
BATCH_KINDS = (Kind.SENTIMENT, Kind.ENTITIES, Kind.SUMMARIZE, Kind.LANGUAGE, Kind.KEYWORDS)
BATCH_CHUNK = 50
# Below this many letters a language guess is noise: do not refuse short texts on it.
LANGUAGE_GATE_MIN_LETTERS = 20
LANGUAGE_GATE_CONFIDENCE = 0.6


# --- input --------------------------------------------------------------------------------------


def clean_text(text: str, *, field: str = "text") -> str:
    """The text to analyse, or a 400/413 naming ``field``. Nothing is stored for a bad input."""
    if not text or not text.strip():
        raise ValidationError({field: "Enter some text to analyse."})
    if len(text) > settings.NLP_MAX_TEXT_CHARS:
        raise PayloadTooLarge(
            f"The text has {len(text):,} characters; the limit is {settings.NLP_MAX_TEXT_CHARS:,}.",
            field=field,
            code="text_too_long",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates from a JSON "\ud800" escape
        raise ValidationError({field: "The text is not valid Unicode (it contains a lone surrogate)."}) from exc
    return text


def _check_language(text: str, *, supported: frozenset[str], backend: str, language: str | None) -> None:
    """Refuse text in a language the backend cannot read (unless the caller names a supported one)."""
    if "*" in supported:
        return
    if language:
        if language not in supported:
            raise ValidationError(
                {"language": f"The {backend} backend reads {', '.join(sorted(supported))}, not {language!r}."}
            )
        return
    if sum(c.isalpha() for c in text) < LANGUAGE_GATE_MIN_LETTERS:
        return
    detected = backends.detect_language(text)
    if detected["language"] not in supported and detected["confidence"] >= LANGUAGE_GATE_CONFIDENCE:
        reads = ", ".join(sorted(supported))
        guess = f"{detected['name']} ({detected['confidence']:.0%})"
        raise ValidationError(
            {
                "text": (
                    f"This text looks like {guess}; the {backend} backend reads {reads} only. Configure a model that "
                    'reads it, or pass "language" if the guess is wrong.'
                )
            }
        )


# --- one analysis -------------------------------------------------------------------------------


def _input_hash(kind: str, text: str, options: dict) -> str:
    payload = json.dumps({"kind": kind, "options": options, "text": text}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Plan:
    """How one kind of analysis will run with these options (validated), before any text is read."""

    compute: Callable[[str], Any]
    backend: str
    model: str
    languages: frozenset[str] | None = None  # what the backend reads; None: any language


def _plan(kind: str, options: dict) -> Plan:
    if kind == Kind.SENTIMENT:
        backend = backends.sentiment_backend(options.get("model"))
        return Plan(lambda text: sentiment.analyse(backend, text), backend.name, backend.model, backend.languages)
    if kind == Kind.ENTITIES:
        nlp = backends.spacy_pipeline()
        return Plan(
            lambda text: entity_engine.extract(nlp, text),
            "spacy",
            f"{nlp.meta['name']}-{nlp.meta['version']}",
            frozenset({nlp.lang}),
        )
    if kind == Kind.SUMMARIZE:
        name, path = backends.summary_model(options.get("model"))
        max_length, min_length = options.get("max_length", 60), options.get("min_length", 10)
        if path is None:
            return Plan(
                lambda text: summarize.extractive(text, max_length=max_length, min_length=min_length),
                "extractive",
                "textrank",
            )
        return Plan(
            lambda text: summarize.abstractive(path, text, max_length=max_length, min_length=min_length),
            "transformers",
            name,
        )
    if kind == Kind.LANGUAGE:
        return Plan(backends.detect_language, "lingua", "lingua-2")
    if kind == Kind.KEYWORDS:
        top, max_ngram = options.get("top", 10), options.get("max_ngram", 3)

        def extract_keywords(text: str) -> dict:
            language = options.get("language") or backends.detect_language(text)["language"]
            language = "en" if language == "und" else language
            return {
                "language": language,
                "keywords": keywords.extract(
                    text, language=language, top=top, max_ngram=max_ngram, nlp=backends.spacy_pipeline()
                ),
            }

        return Plan(extract_keywords, "yake", "yake-0.7")
    raise ValueError(f"not an analysis kind: {kind}")


def _compute(kind: str, text: str, options: dict) -> tuple[Plan, str, dict, bool, float]:
    """(plan, input hash, result, cached?, milliseconds) for one analysis of a cleaned text."""
    plan = _plan(kind, options)
    if plan.languages is not None:
        _check_language(text, supported=plan.languages, backend=plan.backend, language=options.get("language"))
    input_hash = _input_hash(kind, text, options)
    cache_key = f"nlp:v1:{plan.backend}:{plan.model}:{input_hash}"
    started = time.perf_counter()
    result = cache.get(cache_key)
    cached = result is not None
    if not cached:
        with model_inference(plan.model):
            result = plan.compute(text)
        cache.set(cache_key, result, timeout=settings.NLP_CACHE_SECONDS)
    return plan, input_hash, result, cached, round((time.perf_counter() - started) * 1000, 2)


def analyse_text(*, owner, kind: str, text: str, options: dict | None = None) -> Analysis:
    """Run one analysis (or take it from the cache) and store it in the owner's history."""
    options = {k: v for k, v in (options or {}).items() if v is not None}
    text = clean_text(text)
    plan, input_hash, result, cached, duration_ms = _compute(kind, text, options)
    return Analysis.objects.create(
        owner=owner,
        kind=kind,
        text=text,
        input_hash=input_hash,
        options=options,
        result=result,
        backend=plan.backend,
        model=plan.model,
        cached=cached,
        duration_ms=duration_ms,
    )


def analyse_everything(*, owner, text: str, kinds: Sequence[str]) -> tuple[Analysis | None, dict, dict]:
    """Every analysis in ``kinds`` for one text, stored as ONE history row (kind ``page``).

    Returns ``(row, answers, errors)``: ``answers`` maps a kind to an unsaved ``Analysis`` (what a
    page shows), ``errors`` maps a kind that could not answer (a language it does not read, a model
    down) to its exception. The row holds each answer and each error's message; no row when every
    kind failed. A text the service refuses outright (empty, too long) raises ``ValidationError``.
    """
    text = clean_text(text)
    answers, errors, stored = {}, {}, {}
    total_ms = 0.0
    for kind in kinds:
        try:
            plan, input_hash, result, cached, duration_ms = _compute(kind, text, {})
        except (ValidationError, APIException) as exc:
            errors[kind] = exc
            stored[kind] = {"error": describe(exc)}
            continue
        total_ms += duration_ms
        answers[kind] = Analysis(
            owner=owner,
            kind=kind,
            text=text,
            input_hash=input_hash,
            result=result,
            backend=plan.backend,
            model=plan.model,
            cached=cached,
            duration_ms=duration_ms,
        )
        stored[kind] = {"result": result, "backend": plan.backend, "model": plan.model, "cached": cached}
    if not answers:
        return None, answers, errors
    row = Analysis.objects.create(
        owner=owner,
        kind=Kind.PAGE,
        text=text,
        input_hash=_input_hash(Kind.PAGE, text, {"kinds": list(kinds)}),
        options={"kinds": list(kinds)},
        result=stored,
        backend="+".join(sorted({a.backend for a in answers.values()}))[:32],
        model="+".join(a.model for a in answers.values())[:255],
        cached=all(a.cached for a in answers.values()),
        duration_ms=round(total_ms, 2),
    )
    return row, answers, errors


def generate_text(
    *, owner, prompt: str, system: str = "", max_tokens: int = 512, effort: str | None = None
) -> Analysis:
    """Text from Claude (503 when no key is configured). Not cached: generations differ by design."""
    prompt = clean_text(prompt)
    started = time.perf_counter()
    generation = claude.generate(prompt=prompt, system=system, max_tokens=max_tokens, effort=effort)
    options = {"system": system, "max_tokens": max_tokens, "effort": effort}
    return Analysis.objects.create(
        owner=owner,
        kind=Kind.GENERATE,
        text=prompt,
        input_hash=_input_hash(Kind.GENERATE, prompt, options),
        options=options,
        backend="anthropic",
        model=generation.model,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        result={
            "text": generation.text,
            "stop_reason": generation.stop_reason,
            "usage": {"input_tokens": generation.input_tokens, "output_tokens": generation.output_tokens},
        },
    )


# --- batches ------------------------------------------------------------------------------------


def start_batch(*, owner, kind: str, texts: Sequence[str], options: dict | None = None) -> Job:
    """Check every text now (errors name ``texts[i]``), then analyse them all in a job."""
    if kind not in BATCH_KINDS:
        raise ValidationError({"kind": f"Batches run {', '.join(BATCH_KINDS)}."})
    if not texts:
        raise ValidationError({"texts": "Send at least one text."})
    if len(texts) > settings.NLP_BATCH_MAX_TEXTS:
        raise PayloadTooLarge(
            f"A batch holds at most {settings.NLP_BATCH_MAX_TEXTS:,} texts; this one has {len(texts):,}.",
            field="texts",
            code="batch_too_large",
        )
    for index, text in enumerate(texts):
        clean_text(text, field=f"texts[{index}]")
    options = {k: v for k, v in (options or {}).items() if v is not None}
    plan = _plan(kind, options)  # unknown model names fail here, before the job exists
    return core_services.enqueue_job(
        owner=owner,
        kind="nlp.batch",
        params={
            "kind": kind,
            "texts": list(texts),
            "options": options,
            "backend": plan.backend,
            "model": plan.model,
        },
    )


def run_batch(job: Job, report: Callable[..., None]) -> dict:
    """The job: texts in chunks (``nlp.pipe`` / pipeline batching), progress after each chunk."""
    kind, texts, options = job.params["kind"], job.params["texts"], job.params["options"]
    items: list[dict] = []
    for start in range(0, len(texts), BATCH_CHUNK):
        chunk = texts[start : start + BATCH_CHUNK]
        items.extend({"index": start + i, "result": r} for i, r in enumerate(_batch_chunk(kind, chunk, options)))
        report(int(len(items) * 100 / len(texts)), f"{len(items)} of {len(texts)} texts")
    return {
        "kind": kind,
        "backend": job.params["backend"],
        "model": job.params["model"],
        "count": len(items),
        "items": items,
    }


def _batch_chunk(kind: str, texts: list[str], options: dict) -> list[dict]:
    if kind == Kind.ENTITIES:
        return list(entity_engine.extract_many(backends.spacy_pipeline(), texts))
    if kind == Kind.SENTIMENT:
        backend = backends.sentiment_backend(options.get("model"))
        # One model call for the whole chunk (texts and their sentences): pipeline batching.
        return sentiment.analyse_many(backend, texts)
    compute = _plan(kind, options).compute
    return [compute(text) for text in texts]


# --- topics -------------------------------------------------------------------------------------

# Named corpora a topic model can be fitted on: name -> function(owner) -> list of (id, text).
# `history` (the user's analysed texts) is built in; the market app adds `market_news`.
_corpora: dict[str, Callable[[Any], list[tuple[str, str]]]] = {}


def register_corpus(name: str, loader: Callable[[Any], list[tuple[str, str]]]) -> None:
    _corpora[name] = loader


def corpora() -> list[str]:
    return sorted(_corpora)


def corpus_documents(name: str, *, owner, limit: int = 20) -> list[tuple[str, str]]:
    """The first documents of a named corpus ([] if it is not registered): the page's news picker."""
    loader = _corpora.get(name)
    return loader(owner)[:limit] if loader else []


def default_corpus() -> str:
    return "market_news" if "market_news" in _corpora else "history"


def _history_corpus(owner) -> list[tuple[str, str]]:
    from .selectors import distinct_texts_of

    return distinct_texts_of(user=owner)


register_corpus("history", _history_corpus)


MIN_TOPIC_DOCUMENTS = 3
CORPUS_LABELS = {"market_news": "market news", "history": "your analysed texts"}
CORPUS_FIXES = {
    "market_news": "Store news first (the market news feed, or manage.py seed_demo). ",
    "history": "Analyse more texts on the text-analysis page first. ",
}


def min_topic_documents(n_topics: int) -> int:
    """How many documents a topic model of ``n_topics`` topics needs (at least 3, and one per topic)."""
    return max(MIN_TOPIC_DOCUMENTS, n_topics)


def split_documents(text: str) -> list[str]:
    """Pasted documents: separated by blank lines when there are any, else one per line."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return []
    parts = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [" ".join(part.split()) for part in parts if part.strip()]


def start_topics(
    *, owner, n_topics: int, top_terms: int, corpus: str | None = None, documents: Sequence[str] | None = None
) -> Job:
    if documents:
        for index, text in enumerate(documents):
            clean_text(text, field=f"documents[{index}]")
        docs = [(str(i), text) for i, text in enumerate(documents)]
        source = "documents"
    else:
        source = corpus or default_corpus()
        if source not in _corpora:
            raise ValidationError({"corpus": f"Unknown corpus {source!r}; available: {', '.join(corpora())}."})
        docs = _corpora[source](owner)
    needed = min_topic_documents(n_topics)
    if len(docs) < needed:
        if documents:
            message = (
                f"Topic modelling needs at least {needed} documents for {n_topics} topics; you gave {len(docs)}. "
                "Paste more (one per line, or separated by blank lines) or ask for fewer topics."
            )
        else:
            message = (
                f"Topic modelling needs at least {needed} documents for {n_topics} topics; "
                f"{CORPUS_LABELS.get(source, source)!r} has {len(docs)}. {CORPUS_FIXES.get(source, '')}"
                "Or paste your own documents, or ask for fewer topics."
            )
        raise ValidationError({"documents" if documents else "corpus": message})
    return core_services.enqueue_job(
        owner=owner,
        kind="nlp.topics",
        params={
            "source": source,
            "ids": [i for i, _ in docs],
            "documents": [t for _, t in docs],
            "n_topics": n_topics,
            "top_terms": top_terms,
        },
    )


def run_topics(job: Job, report: Callable[..., None]) -> dict:
    report(10, f"fitting {job.params['n_topics']} topics on {len(job.params['documents'])} documents")
    try:
        fitted = topics.fit_topics(
            job.params["documents"], n_topics=job.params["n_topics"], top_terms=job.params["top_terms"]
        )
    except ValueError as exc:  # e.g. nothing but stop words
        raise JobError(f"No topics could be fitted on this corpus: {exc}") from exc
    for row, doc_id in zip(fitted["documents"], job.params["ids"], strict=True):
        row["id"] = doc_id
    return {"source": job.params["source"], **fitted}


# --- news sentiment, for the market app ---------------------------------------------------------


def score_news(*, texts: Sequence[str]) -> list[dict]:
    """Sentiment of news items with the default backend: ``{label, score, backend, model}`` each."""
    backend = backends.sentiment_backend()
    return [
        {"label": s.label, "score": s.score, "backend": backend.name, "model": backend.model}
        for s in backend.score_texts([t or "" for t in texts])
    ]


def aggregate_news_sentiment(
    *, items: Sequence[tuple[datetime, float]], now: datetime, window: timedelta, half_life: timedelta | None = None
) -> dict:
    return aggregate.aggregate_sentiment(items, now=now, window=window, half_life=half_life)
