"""Reads of the vision app, scoped to their owner: another user's job or file is a 404."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from apps.core.models import Job

from .models import ImageFile


def jobs_of(*, user) -> QuerySet[Job]:
    files = Prefetch("image_files", queryset=ImageFile.objects.order_by("role", "created_at"))
    return Job.objects.filter(owner=user, kind__startswith="vision.").prefetch_related(files).order_by("-created_at")


def job_of(*, user, job_id) -> Job:
    return get_object_or_404(jobs_of(user=user), pk=job_id)


def file_of(*, user, file_id) -> ImageFile:
    return get_object_or_404(ImageFile.objects.filter(owner=user), pk=file_id)
