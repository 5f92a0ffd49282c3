"""Reads of the proposals app."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import AgentRecord, Proposal, Repository, Suggestion


def repositories() -> QuerySet[Repository]:
    return Repository.objects.all()


def repository(*, repository_id) -> Repository:
    return get_object_or_404(Repository, pk=repository_id)


def proposals(*, ai_type: str | None = None, status: str | None = None) -> QuerySet[Proposal]:
    rows = Proposal.objects.select_related("repository", "reviewer")
    if ai_type:
        rows = rows.filter(ai_type=ai_type)
    if status:
        rows = rows.filter(status=status)
    return rows


def proposal(*, proposal_id) -> Proposal:
    return get_object_or_404(Proposal.objects.select_related("repository", "reviewer"), pk=proposal_id)


def agents() -> list[AgentRecord]:
    return list(AgentRecord.objects.order_by("agent"))


def suggestion_of(*, user, suggestion_id) -> Suggestion:
    return get_object_or_404(Suggestion.objects.filter(created_by=user), pk=suggestion_id)
