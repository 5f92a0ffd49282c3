"""Reads of the proposals app: proposals, the agents' standing and runs, learning and analytics."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .engine import learning
from .models import Agent, AgentRecord, AgentRun, Decision, Proposal, Repository, RepositoryMember, Suggestion


def sees_every_repository(user) -> bool:
    """Reviewers and administrators read every repository; anyone else only those they are a member of."""
    return bool(user and user.is_authenticated and user.is_active and getattr(user, "is_reviewer", False))


def readable_repositories(*, user) -> QuerySet[Repository]:
    """The repositories ``user`` may read (their proposals, runs, findings): every one for reviewers
    and administrators, the ones they are a member of (``RepositoryMember``) for anyone else, none
    for an anonymous or inactive user."""
    if sees_every_repository(user):
        return Repository.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return Repository.objects.none()
    return Repository.objects.filter(pk__in=RepositoryMember.objects.filter(user=user).values("repository_id"))


def membership(*, user, repository: Repository) -> RepositoryMember | None:
    """The user's membership of the repository, if any."""
    if not (user and user.is_authenticated):
        return None
    return RepositoryMember.objects.filter(user=user, repository=repository).first()


def repositories(*, user) -> QuerySet[Repository]:
    return readable_repositories(user=user)


def repository(*, user, repository_id) -> Repository:
    """One repository the user may read (another is a 404, as if it did not exist)."""
    return get_object_or_404(readable_repositories(user=user), pk=repository_id)


def proposals(
    *,
    user,
    ai_type: str | None = None,
    status: str | None = None,
    risk: str | None = None,
    repository=None,
    q: str = "",
) -> QuerySet[Proposal]:
    """The proposals of the repositories ``user`` may read, filtered."""
    rows = Proposal.objects.select_related("repository", "reviewer")
    if not sees_every_repository(user):
        rows = rows.filter(repository__in=readable_repositories(user=user))
    if ai_type:
        rows = rows.filter(ai_type=ai_type)
    if status:
        rows = rows.filter(status=status)
    if risk:
        rows = rows.filter(risk=risk)
    if repository:
        rows = rows.filter(repository_id=repository)
    if q:
        rows = rows.filter(Q(description__icontains=q) | Q(file_path__icontains=q))
    return rows


def proposal(*, user, proposal_id) -> Proposal:
    """One proposal of a repository the user may read (else a 404)."""
    return get_object_or_404(proposals(user=user), pk=proposal_id)


def proposal_by_id(proposal_id) -> Proposal:
    """A proposal for work already authorised (a queued job), whoever reads it."""
    return Proposal.objects.select_related("repository").get(pk=proposal_id)


def run_by_id(run_id) -> AgentRun:
    """An agent run for work already authorised (a queued job)."""
    return AgentRun.objects.select_related("repository", "job").get(pk=run_id)


def agents() -> list[dict]:
    return [agent_status(agent) for agent in Agent.values]


def suggestion_of(*, user, suggestion_id) -> Suggestion:
    """A suggestion the user may act on: their own analyses', and the scans' of repositories they may read."""
    rows = Suggestion.objects.filter(Q(created_by=user) | Q(repository__in=readable_repositories(user=user)))
    return get_object_or_404(rows, pk=suggestion_id)


def suggestions(*, run: AgentRun) -> QuerySet[Suggestion]:
    return run.suggestions.all()


def run(*, user, run_id) -> AgentRun:
    """One agent run over a repository the user may read (else a 404)."""
    return get_object_or_404(runs(user=user).select_related("job"), pk=run_id)


def runs(*, user, agent: str | None = None, repository=None) -> QuerySet[AgentRun]:
    """The agent runs over the repositories ``user`` may read."""
    rows = AgentRun.objects.select_related("repository")
    if not sees_every_repository(user):
        rows = rows.filter(repository__in=readable_repositories(user=user))
    if agent:
        rows = rows.filter(agent=agent)
    if repository:
        rows = rows.filter(repository_id=repository)
    return rows


def run_summary(r: AgentRun | None) -> dict | None:
    if r is None:
        return None
    return {
        "id": r.pk,
        "agent": r.agent,
        "repository": r.repository_id,
        "trigger": r.trigger,
        "status": r.status,
        "job": str(r.job_id) if r.job_id else None,
        "files_scanned": r.files_scanned,
        "findings": r.findings,
        "proposals_created": r.proposals_created,
        "error": r.error,
        "created_at": r.created_at,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "seconds": r.seconds,
    }


def _record(agent: str) -> AgentRecord:
    return AgentRecord.objects.filter(agent=agent).first() or AgentRecord(agent=agent)


def agent_status(agent: str) -> dict:
    """An agent's standing (learning metrics), its queue of pending work and its latest run."""
    record = _record(agent)
    latest = AgentRun.objects.filter(agent=agent).select_related("repository").first()
    return {
        "agent": agent,
        "name": Agent(agent).label,
        "title": Agent(agent).label.split(" (")[0],
        "role": Agent(agent).label.split(" (")[-1].rstrip(")"),
        "xp": record.xp,
        "level": record.level,
        "accepted": record.accepted,
        "rejected": record.rejected,
        "success_rate": record.success_rate,
        "learning_score": record.learning_score,
        "pending_proposals": Proposal.objects.filter(ai_type=agent, status=Proposal.Status.PENDING).count(),
        "running": AgentRun.objects.filter(
            agent=agent,
            status__in=[AgentRun.Status.QUEUED, AgentRun.Status.RUNNING],
            created_at__gt=timezone.now() - settings.JOB_STALL_TIMEOUT,
        ).exists(),
        "scheduled": agent in settings.PROPOSALS_AGENT_SCHEDULE,
        "auto_apply_risks": list(settings.PROPOSALS_AUTO_APPLY.get(agent, [])),
        "last_run": run_summary(latest),
    }


def learning_curve(agent: str) -> list[dict]:
    """The learning score after each decision on the agent's proposals (the rules replayed)."""
    xp, score, curve = 0, 0.5, []
    for d in Decision.objects.filter(agent=agent).order_by("at", "id").values("at", "decision", "risk"):
        step = learning.after(xp=xp, learning_score=score, accepted=d["decision"] == "accepted", risk=d["risk"])
        xp, score = step["xp"], step["learning_score"]
        curve.append({"at": d["at"], "decision": d["decision"], "learning_score": score, "xp": xp})
    return curve


def agent_metrics(agent: str, *, curve: bool = True) -> dict:
    """Everything measured about one agent: standing, proposals by status and risk, decision time,
    runs, and (with ``curve``) the learning curve."""
    proposals = Proposal.objects.filter(ai_type=agent)
    decided = proposals.exclude(decided_at=None)
    runs_ = AgentRun.objects.filter(agent=agent)
    totals = runs_.aggregate(
        mean=Avg(F("finished_at") - F("started_at"), filter=Q(finished_at__isnull=False)),
        proposals_created=Coalesce(Sum("proposals_created"), 0),
        findings=Coalesce(Sum("findings"), 0),
    )
    metrics = {
        **agent_status(agent),
        "proposals": {
            "total": proposals.count(),
            "by_status": dict(proposals.values_list("status").annotate(n=Count("id")).order_by()),
            "by_risk": dict(proposals.values_list("risk").annotate(n=Count("id")).order_by()),
        },
        "mean_hours_to_decision": _hours(decided.aggregate(t=Avg(F("decided_at") - F("created_at")))["t"]),
        "runs": {
            "total": runs_.count(),
            "by_status": dict(runs_.values_list("status").annotate(n=Count("id")).order_by()),
            "mean_seconds": _seconds(totals["mean"]),
            "proposals_created": totals["proposals_created"],
            "findings": totals["findings"],
        },
    }
    if curve:
        metrics["learning_curve"] = learning_curve(agent)[-100:]
    return metrics


def _hours(delta) -> float | None:
    return round(delta.total_seconds() / 3600, 3) if delta is not None else None


def _seconds(delta) -> float | None:
    return round(delta.total_seconds(), 3) if delta is not None else None


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


def learning_insights(*, minimum: int = 5) -> dict:
    """What the decisions say, in words, with the figures behind each: how each agent is trending,
    where its proposals are turned down, and where the auto-apply policy could safely widen or
    should narrow. A group needs ``minimum`` decisions before it is judged."""
    insights = []
    for agent in Agent.values:
        rows = list(Decision.objects.filter(agent=agent).order_by("-at", "-id").values("decision", "risk", "file_type"))
        if len(rows) < minimum:
            continue
        overall = sum(r["decision"] == "accepted" for r in rows) / len(rows)
        recent = rows[: max(minimum, len(rows) // 4)]
        recent_rate = sum(r["decision"] == "accepted" for r in recent) / len(recent)
        if abs(recent_rate - overall) >= 0.15:
            trend = "improving" if recent_rate > overall else "slipping"
            insights.append(
                {
                    "agent": agent,
                    "kind": "trend",
                    "message": f"{Agent(agent).label}: recent proposals are {trend} "
                    f"({recent_rate:.0%} of the last {len(recent)} accepted, {overall:.0%} overall).",
                    "evidence": {"recent": recent_rate, "overall": overall, "decisions": len(rows)},
                }
            )
        for field in ("risk", "file_type"):
            groups: dict[str, list[bool]] = {}
            for r in rows:
                groups.setdefault(r[field], []).append(r["decision"] == "accepted")
            for value, outcomes in sorted(groups.items()):
                if len(outcomes) < minimum:
                    continue
                rate = sum(outcomes) / len(outcomes)
                label = f"{value} risk" if field == "risk" else f".{value or '(none)'} files"
                if rate <= 0.3:
                    insights.append(
                        {
                            "agent": agent,
                            "kind": "weak_spot",
                            "message": f"{Agent(agent).label}: proposals on {label} are mostly rejected "
                            f"({rate:.0%} of {len(outcomes)} accepted).",
                            "evidence": {field: value, "acceptance": rate, "decisions": len(outcomes)},
                        }
                    )
                if field == "risk":
                    allowed = value in settings.PROPOSALS_AUTO_APPLY.get(agent, [])
                    if rate >= 0.9 and not allowed:
                        insights.append(
                            {
                                "agent": agent,
                                "kind": "policy",
                                "message": f"{Agent(agent).label}: {rate:.0%} of {len(outcomes)} {label} proposals "
                                "were accepted; auto-apply could take them once their tests pass.",
                                "evidence": {"risk": value, "acceptance": rate, "decisions": len(outcomes)},
                            }
                        )
                    elif rate < 0.5 and allowed:
                        insights.append(
                            {
                                "agent": agent,
                                "kind": "policy",
                                "message": f"{Agent(agent).label}: only {rate:.0%} of {len(outcomes)} {label} "
                                "proposals were accepted, yet auto-apply may apply them; consider narrowing it.",
                                "evidence": {"risk": value, "acceptance": rate, "decisions": len(outcomes)},
                            }
                        )
        reason = (
            Decision.objects.filter(agent=agent, decision="rejected")
            .exclude(reason="")
            .values("reason")
            .annotate(n=Count("id"))
            .order_by("-n", "reason")
            .first()
        )
        if reason and reason["n"] >= 2:
            insights.append(
                {
                    "agent": agent,
                    "kind": "rejection_reason",
                    "message": f"{Agent(agent).label}: the most common reason to reject is "
                    f"\u201c{reason['reason']}\u201d ({reason['n']} times).",
                    "evidence": {"reason": reason["reason"], "count": reason["n"]},
                }
            )
    return {"minimum_decisions": minimum, "insights": insights}


def proposal_analytics(*, days: int = 30) -> dict:
    """Proposals over the last ``days``: per day created, decided and applied; by repository; how
    long decisions take; how often applying fails."""
    since = timezone.now() - timedelta(days=days)

    def per_day(rows, field) -> dict:
        return {
            str(r["day"]): r["n"]
            for r in rows.filter(**{f"{field}__gte": since})
            .annotate(day=TruncDate(field))
            .values("day")
            .annotate(n=Count("id"))
            .order_by("day")
        }

    created = per_day(Proposal.objects.all(), "created_at")
    accepted = per_day(Decision.objects.filter(decision="accepted"), "at")
    rejected = per_day(Decision.objects.filter(decision="rejected"), "at")
    applied = per_day(Proposal.objects.exclude(applied_at=None), "applied_at")
    days_seen = sorted(set(created) | set(accepted) | set(rejected) | set(applied))
    recent = Proposal.objects.filter(created_at__gte=since)
    tried = recent.filter(status__in=[Proposal.Status.APPLIED, Proposal.Status.APPLY_FAILED]).count()
    return {
        "days": days,
        "total": recent.count(),
        "by_status": dict(recent.values_list("status").annotate(n=Count("id")).order_by()),
        "by_repository": [
            {"repository": r["repository__name"], "proposals": r["n"]}
            for r in recent.values("repository__name").annotate(n=Count("id")).order_by("-n", "repository__name")
        ],
        "series": [
            {
                "day": day,
                "created": created.get(day, 0),
                "accepted": accepted.get(day, 0),
                "rejected": rejected.get(day, 0),
                "applied": applied.get(day, 0),
            }
            for day in days_seen
        ],
        "mean_hours_to_decision": _hours(
            recent.exclude(decided_at=None).aggregate(t=Avg(F("decided_at") - F("created_at")))["t"]
        ),
        "apply_failure_rate": (recent.filter(status=Proposal.Status.APPLY_FAILED).count() / tried) if tried else None,
    }


def agent_analytics() -> list[dict]:
    """Each agent side by side: standing, proposals, acceptance, runs."""
    return [agent_metrics(agent, curve=False) for agent in Agent.values]


def debug_report() -> dict:
    """For administrators: proposal statistics and recent activity across the app."""
    return {
        "overview": overview(),
        "policy": {
            "auto_apply": settings.PROPOSALS_AUTO_APPLY,
            "schedule": settings.PROPOSALS_AGENT_SCHEDULE,
            "interval_hours": settings.PROPOSALS_AGENT_INTERVAL_HOURS,
            "imperium_rules": settings.PROPOSALS_IMPERIUM_RULES,
            "sandbox_timeout": settings.PROPOSALS_SANDBOX_TIMEOUT,
        },
        "recent_decisions": [
            {
                "proposal": d.proposal_id,
                "decision": d.decision,
                "reviewer": d.reviewer.email if d.reviewer else None,
                "reason": d.reason,
                "agent": d.agent,
                "at": d.at,
            }
            for d in Decision.objects.select_related("reviewer")[:20]
        ],
        "recent_runs": [run_summary(r) for r in AgentRun.objects.all()[:20]],
        "apply_failures": list(
            Proposal.objects.filter(status=Proposal.Status.APPLY_FAILED)
            .order_by("-updated_at")
            .values("id", "file_path", "apply_error", "updated_at")[:20]
        ),
        "stuck_runs": [
            run_summary(r)
            for r in AgentRun.objects.filter(
                status=AgentRun.Status.RUNNING, started_at__lt=timezone.now() - settings.JOB_STALL_TIMEOUT
            )[:20]
        ],
        "suggestions": Suggestion.objects.count(),
    }
