"""REST API of the vision app (``/api/v1/vision/``): thin views over services and selectors.

``POST <operation>/`` (multipart: ``image``, ``style`` for style transfer, ``images``/``archive`` for a
batch, and the operation's parameters as form fields) answers ``202`` with the job; the job's
result lists its outputs, each downloadable (by its owner only) from ``files/<id>/``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import JobAcceptedSerializer, JobOutputSerializer
from apps.core.errors import PayloadTooLarge
from apps.core.idempotency import idempotent
from apps.core.pagination import StandardPagination

from . import selectors, services
from .engine import detect, style
from .jobs import file_payload

FORMATS = ["jpeg", "png", "webp"]


class CommaList(serializers.ListField):
    """A list from repeated form fields or one comma-separated field."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [part.strip() for part in data.split(",") if part.strip()]
        elif isinstance(data, list) and len(data) == 1 and isinstance(data[0], str) and "," in data[0]:
            data = [part.strip() for part in data[0].split(",") if part.strip()]
        return super().to_internal_value(data)

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist"):
            values = dictionary.getlist(self.field_name)
            return values if values else serializers.empty
        return dictionary.get(self.field_name, serializers.empty)


class OptionalBoolean(serializers.BooleanField):
    """A boolean form field that is absent when not sent (DRF reads a missing HTML checkbox as false)."""

    default_empty_html = serializers.empty


class Output(serializers.Serializer):
    format = serializers.ChoiceField(choices=FORMATS, required=False, help_text="Default: the input's format.")


class EnhanceParams(Output):
    white_balance = OptionalBoolean(required=False)
    denoise = serializers.FloatField(min_value=0, max_value=10, required=False)
    levels = OptionalBoolean(required=False, help_text="Stretch the lightness to the full range")
    clahe = serializers.FloatField(min_value=0, max_value=10, required=False, help_text="CLAHE clip limit; 0 = off")
    sharpen = serializers.FloatField(min_value=0, max_value=5, required=False)
    brightness = serializers.FloatField(min_value=-100, max_value=100, required=False)
    contrast = serializers.FloatField(min_value=0.2, max_value=3, required=False)
    saturation = serializers.FloatField(min_value=0, max_value=3, required=False)


class ResizeParams(Output):
    width = serializers.IntegerField(min_value=1, max_value=10_000, required=False)
    height = serializers.IntegerField(min_value=1, max_value=10_000, required=False)
    mode = serializers.ChoiceField(choices=["fit", "exact"], required=False, default="fit")

    def validate(self, attrs):
        if not attrs.get("width") and not attrs.get("height"):
            raise serializers.ValidationError({"width": "Give a width, a height, or both."})
        if attrs.get("mode") == "exact" and not (attrs.get("width") and attrs.get("height")):
            raise serializers.ValidationError({"mode": "exact needs both width and height."})
        return attrs


class ThumbnailParams(Output):
    width = serializers.IntegerField(min_value=1, max_value=2000, required=False)
    height = serializers.IntegerField(min_value=1, max_value=2000, required=False)


class DetectParams(Output):
    targets = CommaList(child=serializers.ChoiceField(choices=detect.DETECTORS), required=False, max_length=10)


class StyleParams(Output):
    method = serializers.ChoiceField(choices=style.METHODS, required=False)


class ClassifyParams(serializers.Serializer):
    top_k = serializers.IntegerField(min_value=1, max_value=20, required=False, default=5)


PARAMS = {
    "enhance": EnhanceParams,
    "resize": ResizeParams,
    "thumbnail": ThumbnailParams,
    "detect": DetectParams,
    "style_transfer": StyleParams,
    "classify": ClassifyParams,
}


def _upload(request, field: str) -> services.Upload | None:
    upload = request.FILES.get(field)
    if upload is None:
        return None
    return _read(upload, field)


def _read(upload, field: str) -> services.Upload:
    limit = settings.VISION_MAX_UPLOAD_BYTES if field != "archive" else services.ZIP_MAX_BYTES
    if upload.size > limit:  # refuse before reading it
        raise PayloadTooLarge(f"{upload.name} is {upload.size:,} bytes; the limit is {limit:,}.", field=field)
    return services.Upload(name=upload.name or field, data=upload.read(), field=field)


def _accepted(job) -> Response:
    job.refresh_from_db()
    url = reverse("api:job-detail", kwargs={"job_id": job.id})
    return Response({"job": JobOutputSerializer(job).data, "url": url}, status=202, headers={"Location": url})


class OperationApi(APIView):
    """Start one operation on an uploaded image (``enhance``, ``resize``, ``thumbnail``, ``detect``,
    ``style-transfer``, ``classify``) as a job; ``Idempotency-Key`` honoured."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=None, responses={202: JobAcceptedSerializer})
    @idempotent
    def post(self, request, operation: str):
        operation = operation.replace("-", "_")
        params = PARAMS[operation](data=request.data)
        params.is_valid(raise_exception=True)
        options = {k: v for k, v in params.validated_data.items() if v is not None}
        if "format" in options:
            options["format"] = options["format"].upper()
        style_upload = _upload(request, "style")
        if operation == "style_transfer" and options.get("method") == "color_transfer" and style_upload is None:
            raise ValidationError({"style": "Colour transfer needs a style image (the multipart field 'style')."})
        if style_upload is not None and operation != "style_transfer":
            raise ValidationError({"style": "Only style-transfer takes a style image."})
        services.require_models(operation, options)
        job = services.start_operation(
            owner=request.user, operation=operation, image=_upload(request, "image"), style=style_upload, params=options
        )
        return _accepted(job)


class BatchParams(serializers.Serializer):
    operation = serializers.ChoiceField(choices=services.OPERATIONS)


class BatchApi(APIView):
    """One operation over many images (repeated ``images`` fields, or a zip as ``archive``): a job
    with per-image status and a zip of the outputs."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=None, responses={202: JobAcceptedSerializer})
    @idempotent
    def post(self, request):
        head = BatchParams(data=request.data)
        head.is_valid(raise_exception=True)
        operation = head.validated_data["operation"]
        params = PARAMS[operation](data=request.data)
        params.is_valid(raise_exception=True)
        options = {k: v for k, v in params.validated_data.items() if v is not None}
        if "format" in options:
            options["format"] = options["format"].upper()
        if operation == "style_transfer" and options.get("method", "stylization") == "color_transfer":
            raise ValidationError({"method": "A batch cannot use colour transfer (it needs a style image per run)."})
        services.require_models(operation, options)
        uploads = [_read(f, "images") for f in request.FILES.getlist("images")]
        archive = request.FILES.get("archive")
        if archive is not None:
            uploads += services.unzip_images(_read(archive, "archive").data)
        job = services.start_operation(owner=request.user, operation=operation, batch=uploads, params=options)
        return _accepted(job)


class JobListApi(APIView):
    """Your image jobs, newest first, with their inputs and outputs."""

    pagination_class = StandardPagination

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.jobs_of(user=request.user), request, view=self)
        return paginator.get_paginated_response([job_output(j) for j in page])


def job_output(job) -> dict:
    files = [file_payload(f) for f in job.image_files.all()]
    return {**JobOutputSerializer(job).data, "files": files}


class JobApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="vision_job_detail")
    def get(self, request, job_id):
        return Response(job_output(selectors.job_of(user=request.user, job_id=job_id)))

    @extend_schema(responses={204: None})
    def delete(self, request, job_id):
        services.delete_job(job=selectors.job_of(user=request.user, job_id=job_id))
        return Response(status=204)


class FileApi(APIView):
    """Download one stored image (its owner only); ``?download=1`` as an attachment."""

    @extend_schema(
        parameters=[OpenApiParameter("download", bool)],
        responses={(200, m): OpenApiTypes.BINARY for m in ("image/jpeg", "image/png", "image/webp")},
    )
    def get(self, request, file_id):
        row = selectors.file_of(user=request.user, file_id=file_id)
        response = FileResponse(
            row.file.open("rb"),
            content_type=row.content_type,
            as_attachment=request.query_params.get("download") in ("1", "true"),
            filename=row.name,
        )
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class UsageApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"used_bytes": services.used_bytes(request.user), "quota_bytes": settings.VISION_QUOTA_BYTES})
