"""REST API of the core app: jobs (owner only) and the staff-only worker self-check."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .models import Job


class JobOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    max_attempts = serializers.SerializerMethodField(help_text="Attempts its kind allows when workers die.")
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "params",
            "result",
            "error",
            "attempts",
            "max_attempts",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "url",
        ]

    def get_max_attempts(self, job: Job) -> int:
        return services.job_payload(job)["max_attempts"]

    def get_url(self, job: Job) -> str:
        return reverse("api:job-detail", kwargs={"job_id": job.id})


class JobAcceptedSerializer(serializers.Serializer):
    """``202``: the job that will do the work, and where to follow it (also in ``Location``)."""

    job = JobOutputSerializer()
    url = serializers.CharField()
    run = serializers.IntegerField(required=False, help_text="The agent run (proposals' agent runs only).")
    run_url = serializers.CharField(required=False)
    download = serializers.CharField(required=False, help_text="Where the result downloads once it succeeded.")


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class JobListApi(ListAPIView):
    """The caller's jobs, newest first; filter with ``?kind=`` and ``?status=``."""

    serializer_class = JobOutputSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str),
            OpenApiParameter("status", str, enum=[s.value for s in Job.Status]),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Job.objects.none()
        status_filter = self.request.query_params.get("status")
        if status_filter and status_filter not in Job.Status.values:
            raise serializers.ValidationError({"status": [f"Must be one of {', '.join(Job.Status.values)}."]})
        return selectors.jobs_of(
            user=self.request.user, kind=self.request.query_params.get("kind"), status=status_filter
        )


class JobDetailApi(APIView):
    """One of the caller's jobs; another user's job is a 404."""

    @extend_schema(responses=JobOutputSerializer)
    def get(self, request, job_id):
        job = selectors.job_of(user=request.user, job_id=job_id)
        return Response(JobOutputSerializer(job).data)


class SelfCheckApi(APIView):
    """Start a job that checks, from a worker, the database, cache and channel layer (staff only)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        request=None,
        responses={202: JobAcceptedSerializer},
    )
    def post(self, request):
        job = services.enqueue_job(owner=request.user, kind="core.selfcheck")
        job.refresh_from_db()
        url = reverse("api:job-detail", kwargs={"job_id": job.id})
        return Response(
            {"job": JobOutputSerializer(job).data, "url": url},
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )
