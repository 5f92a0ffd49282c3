"""Reads of the nlp app, scoped to their owner."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Analysis


def analyses_of(*, user, kind: str | None = None) -> QuerySet[Analysis]:
    analyses = Analysis.objects.filter(owner=user)
    return analyses.filter(kind=kind) if kind else analyses


def analysis_of(*, user, analysis_id: int) -> Analysis:
    return get_object_or_404(Analysis.objects.filter(owner=user), pk=analysis_id)


def distinct_texts_of(*, user, limit: int = 5000) -> list[tuple[str, str]]:
    """The user's analysed texts (newest first, each once) as ``(analysis id, text)``: a corpus."""
    seen, corpus = set(), []
    rows = Analysis.objects.filter(owner=user).exclude(kind=Analysis.Kind.GENERATE).values_list("id", "text")
    for analysis_id, text in rows.order_by("-created_at")[: limit * 3]:
        if text not in seen:
            seen.add(text)
            corpus.append((str(analysis_id), text))
            if len(corpus) == limit:
                break
    return corpus
