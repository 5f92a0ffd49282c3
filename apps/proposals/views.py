"""The review pages: proposals with filters and the agents' standing, one proposal with its diff,
tests and decisions (reviewers decide and apply here as in the admin), and an agent run's log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from apps.core import services as core_services
from apps.core.errors import describe

from . import forms, selectors, services


@login_required
def index(request):
    filters = forms.FilterForm(request.GET or None)
    given = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.proposals(
        ai_type=given.get("ai_type") or None,
        status=given.get("status") or None,
        risk=given.get("risk") or None,
        repository=given["repository"].pk if given.get("repository") else None,
        q=given.get("q") or "",
    )
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    stale = services.stale_ids(page)
    for proposal in page:
        proposal.stale = proposal.pk in stale
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "proposals/index.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "agents": selectors.agents(),
            "run_form": forms.RunForm(),
            "runs": selectors.runs()[:8],
        },
        status=400 if filters.errors else 200,
    )


@login_required
def detail(request, proposal_id: int):
    proposal = selectors.proposal(proposal_id=proposal_id)
    return render(
        request,
        "proposals/detail.html",
        {
            "proposal": proposal,
            "stale": services.is_stale(proposal),
            "decisions": proposal.decisions.select_related("reviewer"),
            "reason_form": forms.ReasonForm(),
            "can_decide": request.user.is_reviewer,
        },
    )


@login_required
@require_POST
def decide(request, proposal_id: int, decision: str):
    """Accept, reject (the reason typed on the page) or apply; errors come back as messages."""
    if decision not in ("accept", "reject", "apply"):
        raise Http404("Accept, reject or apply.")
    proposal = selectors.proposal(proposal_id=proposal_id)
    form = forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if decision == "apply":
            applied = services.apply(proposal=proposal, reviewer=request.user)
            messages.success(request, f"Committed {applied.commit[:10]} on {applied.branch}.")
        else:
            services.decide(proposal=proposal, reviewer=request.user, accept=decision == "accept", reason=reason)
            messages.success(request, f"Proposal #{proposal.pk} {decision}ed.")
    except (APIException, ValidationError, PermissionDenied) as exc:
        messages.error(request, describe(exc))
    return redirect("proposals:detail", proposal_id=proposal.pk)


@login_required
@require_POST
def test(request, proposal_id: int):
    proposal = selectors.proposal(proposal_id=proposal_id)
    if not proposal.repository.test_command.strip():
        messages.error(request, f"{proposal.repository.name} has no test command to run.")
        return redirect("proposals:detail", proposal_id=proposal.pk)
    job = core_services.enqueue_job(owner=request.user, kind="proposals.sandbox", params={"proposal": proposal.pk})
    messages.info(request, "The tests are running; the result appears on the proposal when they finish.")
    return redirect("core:job-detail", job_id=job.id)


@login_required
@require_POST
def run_agent(request):
    form = forms.RunForm(request.POST)
    if form.is_valid():
        paths = [p.strip() for p in form.cleaned_data["paths"].split(",") if p.strip()]
        try:
            run = services.start_run(
                agent=form.cleaned_data["agent"],
                repository=form.cleaned_data["repository"],
                params={"paths": paths} if paths else {},
                actor=request.user,
            )
        except (APIException, ValidationError) as exc:
            messages.error(request, describe(exc))
        else:
            return redirect("proposals:run", run_id=run.pk)
    else:
        messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("proposals:index")


@login_required
def run(request, run_id: int):
    found = selectors.run(run_id=run_id)
    template = "proposals/_run.html" if request.headers.get("HX-Request") else "proposals/run.html"
    return render(
        request,
        template,
        {"run": found, "proposals": found.proposals.all(), "suggestions": selectors.suggestions(run=found)[:200]},
    )
