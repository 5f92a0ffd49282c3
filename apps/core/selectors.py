"""Reads of jobs, always scoped to their owner: another user's job id is simply not found."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Job


def jobs_of(*, user, kind: str | None = None, status: str | None = None) -> QuerySet[Job]:
    jobs = Job.objects.filter(owner=user)
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    return jobs


def job_of(*, user, job_id) -> Job:
    """The user's job, or Http404 (also for a malformed id)."""
    return get_object_or_404(Job.objects.filter(owner=user), pk=job_id)
