"""REST API of the nlp app (``/api/v1/nlp/``): thin views over services and selectors."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import selectors as core_selectors
from apps.core.api import JobOutputSerializer
from apps.core.errors import Conflict

from . import backends, exports, selectors, services
from .models import Analysis

LANGUAGE_CODE = r"^[a-z]{2}$"


class TextField(serializers.CharField):
    """A string and only a string (DRF's CharField would turn 123 or true into text)."""

    default_error_messages = {"invalid": "Must be a string."}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class AnalysisSerializer(serializers.ModelSerializer):
    class Meta:
        model = Analysis
        fields = ["id", "kind", "backend", "model", "cached", "duration_ms", "created_at", "options", "result", "text"]


class AnalysisListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Analysis
        fields = ["id", "kind", "backend", "model", "cached", "duration_ms", "created_at", "preview"]


# --- per-kind options ---------------------------------------------------------------------------


class SentimentOptions(serializers.Serializer):
    model = serializers.CharField(required=False, max_length=100)
    language = serializers.RegexField(LANGUAGE_CODE, required=False)


class EntitiesOptions(serializers.Serializer):
    language = serializers.RegexField(LANGUAGE_CODE, required=False)


class SummarizeOptions(serializers.Serializer):
    model = serializers.CharField(required=False, max_length=100)
    max_length = serializers.IntegerField(required=False, min_value=5, max_value=1024)
    min_length = serializers.IntegerField(required=False, min_value=0, max_value=1024)

    def validate(self, attrs):
        if attrs.get("min_length", 10) > attrs.get("max_length", 60):
            raise serializers.ValidationError({"min_length": "Must not exceed max_length."})
        return attrs


class LanguageOptions(serializers.Serializer):
    pass


class KeywordsOptions(serializers.Serializer):
    top = serializers.IntegerField(required=False, min_value=1, max_value=50)
    max_ngram = serializers.IntegerField(required=False, min_value=1, max_value=5)
    language = serializers.RegexField(LANGUAGE_CODE, required=False)


OPTIONS = {
    Analysis.Kind.SENTIMENT: SentimentOptions,
    Analysis.Kind.ENTITIES: EntitiesOptions,
    Analysis.Kind.SUMMARIZE: SummarizeOptions,
    Analysis.Kind.LANGUAGE: LanguageOptions,
    Analysis.Kind.KEYWORDS: KeywordsOptions,
}


def _input_serializer(kind: str) -> type[serializers.Serializer]:
    return type(f"{kind.title()}Input", (OPTIONS[kind],), {"text": TextField()})


class AnalyseApi(APIView):
    """``POST {"text": …, options}`` → the stored analysis with its result."""

    kind: str = ""

    def post(self, request):
        data = _input_serializer(self.kind)(data=request.data)
        data.is_valid(raise_exception=True)
        options = dict(data.validated_data)
        text = options.pop("text")
        analysis = services.analyse_text(owner=request.user, kind=self.kind, text=text, options=options)
        return Response(AnalysisSerializer(analysis).data)


def analysis_view(kind: str):
    view = type(f"{kind.title()}Api", (AnalyseApi,), {"kind": kind, "__doc__": f"{kind.title()} of a text."})
    return extend_schema(request=_input_serializer(kind), responses=AnalysisSerializer)(view)


class GenerateApi(APIView):
    class GenerateInput(serializers.Serializer):
        text = TextField(help_text="The prompt.")
        system = TextField(required=False, allow_blank=True, max_length=4000)
        max_tokens = serializers.IntegerField(required=False, min_value=1, max_value=4096, default=512)
        effort = serializers.ChoiceField(choices=["low", "medium", "high"], required=False)

    @extend_schema(request=GenerateInput, responses=AnalysisSerializer)
    def post(self, request):
        data = self.GenerateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        analysis = services.generate_text(
            owner=request.user,
            prompt=values["text"],
            system=values.get("system", ""),
            max_tokens=values["max_tokens"],
            effort=values.get("effort"),
        )
        return Response(AnalysisSerializer(analysis).data)


def _accepted(job, **extra) -> Response:
    url = reverse("api:job-detail", kwargs={"job_id": job.id})
    return Response(
        {"job": JobOutputSerializer(job).data, "url": url, **extra},
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": url},
    )


class BatchApi(APIView):
    class BatchInput(serializers.Serializer):
        kind = serializers.ChoiceField(choices=[k.value for k in services.BATCH_KINDS])
        texts = serializers.ListField(child=TextField(allow_blank=True), allow_empty=False)
        options = serializers.DictField(required=False, default=dict)

    @extend_schema(
        request=BatchInput,
        responses={
            202: inline_serializer(
                "BatchAccepted",
                {"job": JobOutputSerializer(), "url": serializers.CharField(), "download": serializers.CharField()},
            )
        },
    )
    def post(self, request):
        data = self.BatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        options = OPTIONS[kind](data=data.validated_data["options"])
        if not options.is_valid():
            raise serializers.ValidationError({"options": options.errors})
        job = services.start_batch(
            owner=request.user, kind=kind, texts=data.validated_data["texts"], options=dict(options.validated_data)
        )
        job.refresh_from_db()
        return _accepted(job, download=reverse("api:nlp:batch-download", kwargs={"job_id": job.id}))


class BatchDownloadApi(APIView):
    """A finished batch's results: ``?format=json`` (default) or ``?format=csv``."""

    def perform_content_negotiation(self, request, force=False):
        # `format` picks the file here, not a DRF renderer; errors are JSON as everywhere.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"])],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request, job_id):
        job = core_selectors.job_of(user=request.user, job_id=job_id)
        if job.kind != "nlp.batch":
            raise serializers.ValidationError({"job_id": "This job is not a text-analysis batch."})
        if job.status != job.Status.SUCCEEDED:
            raise Conflict(f"The batch is {job.status}; results exist once it has succeeded.", code="not_ready")
        fmt = request.query_params.get("format", "json")
        filename = f"nlp-batch-{job.id}"
        if fmt == "csv":
            response = HttpResponse(exports.batch_csv(job.result, job.params["texts"]), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
            return response
        if fmt != "json":
            raise serializers.ValidationError({"format": "Must be json or csv."})
        response = JsonResponse(job.result)
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response


class TopicsApi(APIView):
    class TopicsInput(serializers.Serializer):
        corpus = serializers.CharField(required=False, max_length=64)
        documents = serializers.ListField(child=TextField(allow_blank=True), required=False, max_length=5000)
        n_topics = serializers.IntegerField(required=False, min_value=2, max_value=30, default=5)
        top_terms = serializers.IntegerField(required=False, min_value=3, max_value=25, default=8)

    @extend_schema(
        request=TopicsInput,
        responses={
            202: inline_serializer("TopicsAccepted", {"job": JobOutputSerializer(), "url": serializers.CharField()})
        },
    )
    def post(self, request):
        data = self.TopicsInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.start_topics(owner=request.user, **data.validated_data)
        job.refresh_from_db()
        return _accepted(job)


class AnalysisListApi(ListAPIView):
    """The caller's analyses, newest first; ``?kind=`` filters."""

    serializer_class = AnalysisListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Analysis.objects.none()
        kind = self.request.query_params.get("kind")
        if kind and kind not in Analysis.Kind.values:
            raise serializers.ValidationError({"kind": f"Must be one of {', '.join(Analysis.Kind.values)}."})
        return selectors.analyses_of(user=self.request.user, kind=kind)


class AnalysisDetailApi(APIView):
    @extend_schema(responses=AnalysisSerializer)
    def get(self, request, analysis_id: int):
        return Response(AnalysisSerializer(selectors.analysis_of(user=request.user, analysis_id=analysis_id)).data)


class ModelsApi(APIView):
    """What answers each kind of analysis on this installation."""

    @extend_schema(
        responses=inline_serializer(
            "NlpModels",
            {
                "sentiment": serializers.ListField(),
                "summarize": serializers.ListField(),
                "entities": serializers.CharField(),
                "languages": serializers.ListField(),
                "generation": serializers.BooleanField(),
                "corpora": serializers.ListField(),
            },
        )
    )
    def get(self, request):
        return Response(
            {
                "sentiment": backends.sentiment_models(),
                "sentiment_default": settings.NLP_SENTIMENT_DEFAULT,
                "summarize": backends.summary_models(),
                "summarize_default": settings.NLP_SUMMARY_DEFAULT,
                "entities": settings.NLP_SPACY_MODEL,
                "languages": list(settings.NLP_LANGUAGES),
                "generation": bool(settings.ANTHROPIC_API_KEY),
                "corpora": services.corpora(),
                "max_text_chars": settings.NLP_MAX_TEXT_CHARS,
                "batch_max_texts": settings.NLP_BATCH_MAX_TEXTS,
            }
        )
