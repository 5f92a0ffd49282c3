"""The review pages: proposals with filters and the agents' standing, one proposal with its diff,
tests and decisions (reviewers decide and apply here as in the admin), and an agent run's log.

Reviewers and administrators see every repository's proposals and runs, run agents and tests,
decide and apply; anyone else sees only the repositories they are a member of, read-only (a POST
they may not make is a 403 naming the role it needs)."""

from functools import wraps

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


def reviewers_only(action: str):
    """A 403 page naming the role, for a signed-in user who is not a reviewer or administrator."""

    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not getattr(request.user, "is_reviewer", False):
                message = f"Only reviewers and administrators may {action}; ask an administrator for the reviewer role."
                return render(request, "errors/error.html", {"message": message, "status": 403}, status=403)
            return view(request, *args, **kwargs)

        return checked

    return decorate


def test_summary(result: dict | None) -> dict | None:
    """A test result for the page: the verdict ("passed" only with tests that touch the change) in words."""
    if not result:
        return None
    verdict = result.get("verdict") or ("passed" if result.get("passed") else "failed")
    return {**result, "verdict": verdict, "text": services.verdict_text({**result, "verdict": verdict})}


@login_required
def index(request):
    filters = forms.FilterForm(request.GET or None, user=request.user)
    given = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.proposals(
        user=request.user,
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
            "agents": selectors.agents() if request.user.is_reviewer else [],
            "run_form": forms.RunForm() if request.user.is_reviewer else None,
            "runs": selectors.runs(user=request.user)[:8],
        },
        status=400 if filters.errors else 200,
    )


@login_required
def detail(request, proposal_id: int):
    proposal = selectors.proposal(user=request.user, proposal_id=proposal_id)
    return render(
        request,
        "proposals/detail.html",
        {
            "proposal": proposal,
            "tests": test_summary(proposal.test_result),
            "run_hooks": proposal.repository.run_hooks,
            "stale": services.is_stale(proposal),
            "decisions": proposal.decisions.select_related("reviewer"),
            "reason_form": forms.ReasonForm(),
            "can_decide": request.user.is_reviewer,
        },
    )


@login_required
@require_POST
@reviewers_only("decide or apply proposals")
def decide(request, proposal_id: int, decision: str):
    """Accept, reject (the reason typed on the page) or apply; errors come back as messages."""
    if decision not in ("accept", "reject", "apply"):
        raise Http404("Accept, reject or apply.")
    proposal = selectors.proposal(user=request.user, proposal_id=proposal_id)
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
@reviewers_only("run tests")
def test(request, proposal_id: int):
    proposal = selectors.proposal(user=request.user, proposal_id=proposal_id)
    if not proposal.repository.test_command.strip():
        messages.error(request, f"{proposal.repository.name} has no test command to run.")
        return redirect("proposals:detail", proposal_id=proposal.pk)
    try:
        services.check_sandbox()
    except APIException as exc:
        messages.error(request, describe(exc))
        return redirect("proposals:detail", proposal_id=proposal.pk)
    job = core_services.enqueue_job(owner=request.user, kind="proposals.sandbox", params={"proposal": proposal.pk})
    messages.info(request, "The tests are running; the result appears on the proposal when they finish.")
    return redirect("core:job-detail", job_id=job.id)


@login_required
@require_POST
@reviewers_only("run agents")
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
    found = selectors.run(user=request.user, run_id=run_id)
    template = "proposals/_run.html" if request.headers.get("HX-Request") else "proposals/run.html"
    return render(
        request,
        template,
        {"run": found, "proposals": found.proposals.all(), "suggestions": selectors.suggestions(run=found)[:200]},
    )
