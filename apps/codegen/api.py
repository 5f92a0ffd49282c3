"""REST API of the codegen app (``/api/v1/codegen/``): thin views over services and selectors.

Without ``ANTHROPIC_API_KEY`` the generation endpoints answer 503 saying how to configure it;
languages and templates work regardless (templates render offline)."""

import json

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import JobAcceptedSerializer, JobOutputSerializer
from apps.core.pagination import StandardPagination
from apps.core.schema import JSON_LIST

from . import selectors, services
from .engine.languages import LANGUAGES
from .models import CodeTemplate, Generation


class LanguagesApi(APIView):
    @extend_schema(responses={200: JSON_LIST})
    def get(self, request):
        return Response(
            [
                {"slug": lang.slug, "name": lang.name, "extensions": list(lang.extensions), "highlight": lang.highlight}
                for lang in LANGUAGES.values()
            ]
        )


class TemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CodeTemplate
        fields = ["slug", "name", "description", "language", "parameters", "body", "version", "updated_at"]


class TemplatesApi(APIView):
    """The template library (``?language=``)."""

    @extend_schema(parameters=[OpenApiParameter("language", str)], responses=TemplateSerializer(many=True))
    def get(self, request):
        rows = selectors.templates(language=request.query_params.get("language") or None)
        return Response(TemplateSerializer(rows, many=True).data)


class TemplateApi(APIView):
    @extend_schema(responses=TemplateSerializer)
    def get(self, request, slug: str):
        return Response(TemplateSerializer(selectors.template(slug=slug)).data)


class RenderInput(serializers.Serializer):
    params = serializers.DictField(required=False, default=dict)


class RenderTemplateApi(APIView):
    """Render a template offline with ``{params}`` (no Claude needed)."""

    @extend_schema(request=RenderInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, slug: str):
        found = selectors.template(slug=slug)
        data = RenderInput(data=request.data)
        data.is_valid(raise_exception=True)
        code = services.render_template(template=found, params=data.validated_data["params"])
        return Response({"template": found.slug, "version": found.version, "language": found.language, "code": code})


class ContextFile(serializers.Serializer):
    path = serializers.CharField(max_length=300)
    content = serializers.CharField(allow_blank=True, trim_whitespace=False)


class GenerationSerializer(serializers.ModelSerializer):
    template = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    usage = serializers.SerializerMethodField()
    conversation = serializers.SerializerMethodField(help_text="The id of the conversation's first turn.")
    cost = serializers.DecimalField(max_digits=12, decimal_places=6, coerce_to_string=True)

    class Meta:
        model = Generation
        fields = [
            "id",
            "kind",
            "status",
            "language",
            "prompt",
            "goal",
            "template",
            "template_version",
            "input_code",
            "code",
            "explanation",
            "diff",
            "syntax",
            "model",
            "stop_reason",
            "usage",
            "cost",
            "duration_ms",
            "parent",
            "conversation",
            "context_paths",
            "created_at",
        ]

    def get_conversation(self, obj) -> int:
        return obj.conversation_id or obj.pk

    def get_usage(self, obj) -> dict:
        return {
            "input_tokens": obj.input_tokens,
            "output_tokens": obj.output_tokens,
            "cache_write_tokens": obj.cache_write_tokens,
            "cache_read_tokens": obj.cache_read_tokens,
            "total_tokens": obj.total_tokens,
        }


class CodeInput(serializers.Serializer):
    prompt = serializers.CharField(trim_whitespace=False, allow_blank=True)
    language = serializers.CharField(max_length=20)
    template = serializers.SlugField(required=False, allow_null=True)
    params = serializers.DictField(required=False, default=dict)
    context_files = ContextFile(many=True, required=False, default=list)
    max_tokens = serializers.IntegerField(required=False, min_value=16)
    model = serializers.CharField(max_length=100, required=False)
    effort = serializers.CharField(max_length=10, required=False)
    conversation = serializers.IntegerField(
        required=False, allow_null=True, help_text="Continue from this earlier generation of yours."
    )


def event_stream(events):
    """Server-Sent Events: ``event: text|done|error`` with a JSON ``data`` line each. Closing this
    (the client went away) closes the generation's stream at once, not whenever it is collected."""
    try:
        for event in events:
            yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
    finally:
        events.close()


async def async_event_stream(events):
    """``event_stream`` for an ASGI server: one event at a time, and the response's cancellation (the
    client went away) reaches the generation's stream."""
    try:
        async for event in events:
            yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
    finally:
        await events.aclose()


def answer(request, prepared: services.Request):
    """The generation as JSON (201), or streamed as Server-Sent Events with ``?stream=1`` (from an
    async generator under an ASGI server, a plain one under WSGI)."""
    if request.query_params.get("stream") in ("1", "true"):
        if isinstance(request._request, ASGIRequest):
            events = async_event_stream(services.astream(prepared))
        else:
            events = event_stream(services.stream(prepared))
        response = StreamingHttpResponse(events, content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        return response
    return Response(GenerationSerializer(services.run(prepared)).data, status=201)


STREAM = OpenApiParameter("stream", bool, description="Stream the answer as Server-Sent Events.")


class GenerateCodeApi(APIView):
    @extend_schema(request=CodeInput, parameters=[STREAM], responses={201: GenerationSerializer})
    def post(self, request):
        data = CodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        return answer(request, services.prepare_code(owner=request.user, **data.validated_data))


class ImproveInput(serializers.Serializer):
    code = serializers.CharField(trim_whitespace=False, allow_blank=True)
    language = serializers.CharField(max_length=20)
    goal = serializers.CharField(max_length=20)
    max_tokens = serializers.IntegerField(required=False, min_value=16)
    model = serializers.CharField(max_length=100, required=False)
    effort = serializers.CharField(max_length=10, required=False)


class ImproveApi(APIView):
    @extend_schema(request=ImproveInput, parameters=[STREAM], responses={201: GenerationSerializer})
    def post(self, request):
        data = ImproveInput(data=request.data)
        data.is_valid(raise_exception=True)
        return answer(request, services.prepare_improve(owner=request.user, **data.validated_data))


class ExplainInput(serializers.Serializer):
    code = serializers.CharField(trim_whitespace=False, allow_blank=True)
    language = serializers.CharField(max_length=20)
    max_tokens = serializers.IntegerField(required=False, min_value=16)
    model = serializers.CharField(max_length=100, required=False)
    effort = serializers.CharField(max_length=10, required=False)


class ExplainApi(APIView):
    @extend_schema(request=ExplainInput, parameters=[STREAM], responses={201: GenerationSerializer})
    def post(self, request):
        data = ExplainInput(data=request.data)
        data.is_valid(raise_exception=True)
        return answer(request, services.prepare_explain(owner=request.user, **data.validated_data))


class HistoryApi(APIView):
    """Your generations, newest first; ``?q=`` searches prompts, code and explanations."""

    pagination_class = StandardPagination

    @extend_schema(
        parameters=[OpenApiParameter("q", str), OpenApiParameter("kind", str), OpenApiParameter("language", str)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        rows = selectors.history(
            user=request.user,
            query=request.query_params.get("q", "")[:200],
            kind=request.query_params.get("kind") or None,
            language=request.query_params.get("language") or None,
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(GenerationSerializer(page, many=True).data)


class GenerationApi(APIView):
    @extend_schema(responses=GenerationSerializer, operation_id="codegen_generation_detail")
    def get(self, request, generation_id: int):
        return Response(
            GenerationSerializer(selectors.generation_of(user=request.user, generation_id=generation_id)).data
        )


class UsageApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(
            {
                "tokens_today": services.tokens_today(request.user),
                "daily_quota": services.daily_quota(request.user),
                **services.usage_summary(request.user),
                "configured": bool(settings.ANTHROPIC_API_KEY),
                "model": settings.ANTHROPIC_MODEL,
            }
        )


class ProjectInput(serializers.Serializer):
    prompt = serializers.CharField(trim_whitespace=False, allow_blank=True)
    language = serializers.CharField(max_length=20)
    max_tokens = serializers.IntegerField(required=False, min_value=16)


class ProjectApi(APIView):
    """A small multi-file project, generated as a job on the ``ai`` queue (202 + job URL)."""

    @extend_schema(request=ProjectInput, responses={202: JobAcceptedSerializer})
    def post(self, request):
        data = ProjectInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.start_project(owner=request.user, **data.validated_data)
        job.refresh_from_db()
        url = reverse("api:job-detail", kwargs={"job_id": job.id})
        return Response({"job": JobOutputSerializer(job).data, "url": url}, status=202, headers={"Location": url})


class ProjectFilesApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, generation_id: int):
        generation = selectors.project_of(user=request.user, generation_id=generation_id)
        return Response(
            {
                "generation": generation.pk,
                "summary": generation.explanation,
                "files": [{"path": f.path, "size": f.size, "content": f.content} for f in generation.files.all()],
            }
        )


class ProjectZipApi(APIView):
    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, generation_id: int):
        generation = selectors.project_of(user=request.user, generation_id=generation_id)
        response = HttpResponse(services.project_zip(generation=generation), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="project-{generation.pk}.zip"'
        return response


class ConversationSerializer(serializers.Serializer):
    conversation = serializers.IntegerField(help_text="The id of the conversation's first generation.")
    turns = GenerationSerializer(many=True)


class ConversationApi(APIView):
    """The turns of the conversation a generation belongs to, oldest first."""

    @extend_schema(responses={200: ConversationSerializer})
    def get(self, request, generation_id: int):
        turns = selectors.conversation_of(user=request.user, generation_id=generation_id)
        return Response(
            {"conversation": turns[0].pk, "turns": GenerationSerializer(turns, many=True).data},
        )
