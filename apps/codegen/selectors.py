"""Reads of the codegen app, scoped to their owner."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import CodeTemplate, Generation


def templates(*, language: str | None = None) -> QuerySet[CodeTemplate]:
    rows = CodeTemplate.objects.filter(is_active=True)
    return rows.filter(language=language) if language else rows


def template(*, slug: str) -> CodeTemplate:
    return get_object_or_404(CodeTemplate.objects.filter(is_active=True), slug=slug)


def history(*, user, query: str = "", kind: str | None = None, language: str | None = None) -> QuerySet[Generation]:
    rows = Generation.objects.filter(owner=user)
    if query:
        rows = rows.filter(Q(prompt__icontains=query) | Q(code__icontains=query) | Q(explanation__icontains=query))
    if kind:
        rows = rows.filter(kind=kind)
    if language:
        rows = rows.filter(language=language)
    return rows.select_related("template")


def generation_of(*, user, generation_id) -> Generation:
    return get_object_or_404(Generation.objects.filter(owner=user), pk=generation_id)


def project_of(*, user, generation_id) -> Generation:
    rows = Generation.objects.filter(owner=user, kind=Generation.Kind.PROJECT).prefetch_related("files")
    return get_object_or_404(rows, pk=generation_id)


def conversation_of(*, user, generation_id) -> list[Generation]:
    """Every turn of the conversation ``generation_id`` belongs to (its first turn and the turns that
    continue it), oldest first; 404 unless the user owns it."""
    turn = generation_of(user=user, generation_id=generation_id)
    root = turn.conversation_id or turn.pk
    rows = Generation.objects.filter(owner=user).filter(Q(pk=root) | Q(conversation_id=root))
    return list(rows.select_related("template").order_by("created_at", "id"))
