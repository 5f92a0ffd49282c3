"""The project's routes plus a few views that exist only to exercise shared plumbing."""

import time

from django.urls import path
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.idempotency import idempotent
from apps.core.models import Job
from config.urls import urlpatterns as project_urlpatterns

handler404 = "apps.core.errors.page_not_found"
handler500 = "apps.core.errors.server_error"


class CreateJobInput(serializers.Serializer):
    kind = serializers.CharField(max_length=64)
    delay = serializers.FloatField(required=False, default=0, min_value=0, max_value=2)


class CreateJobApi(APIView):
    """A state-changing POST guarded by Idempotency-Key."""

    @idempotent
    def post(self, request):
        data = CreateJobInput(data=request.data)
        data.is_valid(raise_exception=True)
        time.sleep(data.validated_data["delay"])
        job = Job.objects.create(owner=request.user, kind=data.validated_data["kind"])
        return Response(
            {"id": str(job.id), "kind": job.kind},
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/jobs/{job.id}"},
        )


class ExplodingApi(APIView):
    permission_classes = []

    def get(self, request):
        raise RuntimeError("secret internal detail")


def exploding_page(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [
    path("api/v1/test/jobs/", CreateJobApi.as_view()),
    path("api/v1/test/explode/", ExplodingApi.as_view()),
    path("test/explode/", exploding_page),
    *project_urlpatterns,
]
