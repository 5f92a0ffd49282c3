"""Pages of the core app: the dashboard and the jobs pages (status refreshed by htmx polling)."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from . import health, selectors, services
from .navigation import DOMAINS

RECENT_JOBS = 8


def _dashboard_panels(request) -> list[str]:
    """Each app may add a panel to the personal dashboard with a ``dashboard`` module holding
    ``panel(request) -> {"template", "context", "order"}`` (core imports no app: it discovers them)."""
    panels = []
    for config in apps.get_app_configs():
        name = f"{config.name}.dashboard"
        if not config.name.startswith("apps.") or find_spec(name) is None:
            continue
        panel = import_module(name).panel(request)
        panels.append((panel["order"], render_to_string(panel["template"], panel["context"], request=request)))
    return [html for _, html in sorted(panels, key=lambda p: p[0])]


@login_required
def dashboard(request):
    ok, report = health.readiness_report()
    return render(
        request,
        "core/dashboard.html",
        {
            "panels": _dashboard_panels(request),
            "domains": DOMAINS,
            "ready": ok,
            "checks": [(health.CHECK_LABELS[name], check) for name, check in report["checks"].items()],
            "recent_jobs": selectors.jobs_of(user=request.user)[:RECENT_JOBS],
        },
    )


@login_required
def job_list(request):
    return render(request, "core/job_list.html", {"jobs": selectors.jobs_of(user=request.user)[:100]})


@login_required
def job_detail(request, job_id):
    return render(request, "core/job_detail.html", {"job": selectors.job_of(user=request.user, job_id=job_id)})


@login_required
def job_status(request, job_id):
    """The htmx partial polled by the job page until the job finishes."""
    return render(request, "core/_job_status.html", {"job": selectors.job_of(user=request.user, job_id=job_id)})


@staff_member_required
@require_POST
def start_selfcheck(request):
    job = services.enqueue_job(owner=request.user, kind="core.selfcheck")
    return redirect("core:job-detail", job_id=job.id)


def favicon(request):
    """``/favicon.ico``, which browsers ask for on pages that name no icon (the admin's)."""
    from django.templatetags.static import static

    return redirect(static("favicon.svg"), permanent=True)
