"""Reads of the proposals app."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import AgentRecord, Decision, Proposal, Repository, Suggestion


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


def learning_stats() -> dict:
    """Acceptance by agent, file type and risk, and the most common rejection reasons."""

    def rates(field: str) -> list[dict]:
        rows = Decision.objects.values(field).annotate(
            decided=Count("id"), accepted=Count("id", filter=Q(decision="accepted"))
        )
        return [
            {
                field: r[field],
                "decided": r["decided"],
                "accepted": r["accepted"],
                "acceptance": r["accepted"] / r["decided"],
            }
            for r in rows.order_by(field)
        ]

    reasons = (
        Decision.objects.filter(decision="rejected")
        .exclude(reason="")
        .values("reason")
        .annotate(count=Count("id"))
        .order_by("-count", "reason")[:10]
    )
    return {
        "by_agent": rates("agent"),
        "by_file_type": rates("file_type"),
        "by_risk": rates("risk"),
        "top_rejection_reasons": list(reasons),
    }


def overview() -> dict:
    """Counts of proposals by status and agent."""
    return {
        "total": Proposal.objects.count(),
        "by_status": {r["status"]: r["n"] for r in Proposal.objects.values("status").annotate(n=Count("id"))},
        "by_agent": {r["ai_type"]: r["n"] for r in Proposal.objects.values("ai_type").annotate(n=Count("id"))},
        "repositories": Repository.objects.count(),
    }
