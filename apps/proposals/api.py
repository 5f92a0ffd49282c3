"""REST API of the proposals app (``/api/v1/proposals/``): repositories, proposals, decisions, apply.

Anyone signed in may read and propose; deciding and applying need the reviewer role."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import IsReviewer
from apps.core import services as core_services
from apps.core.api import JobOutputSerializer

from . import selectors, services
from .models import Agent, Proposal, Repository


class RepositorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Repository
        fields = ["id", "name", "path", "default_branch", "test_command", "created_at"]


class RepositoriesApi(APIView):
    @extend_schema(responses=RepositorySerializer(many=True))
    def get(self, request):
        return Response(RepositorySerializer(selectors.repositories(), many=True).data)

    @extend_schema(request=RepositorySerializer, responses={201: RepositorySerializer})
    def post(self, request):
        data = RepositorySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repository = services.register_repository(actor=request.user, **data.validated_data)
        return Response(RepositorySerializer(repository).data, status=201)


class ProposalSerializer(serializers.ModelSerializer):
    repository = serializers.PrimaryKeyRelatedField(read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="email", read_only=True)
    stale = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "ai_type",
            "repository",
            "file_path",
            "code_before",
            "code_after",
            "description",
            "risk",
            "status",
            "stale",
            "diff",
            "base_commit",
            "reviewer",
            "reason",
            "decided_at",
            "branch",
            "commit",
            "applied_at",
            "apply_error",
            "test_result",
            "created_at",
        ]

    def get_stale(self, obj) -> bool:
        return services.is_stale(obj)


class ProposalInput(serializers.Serializer):
    repository = serializers.PrimaryKeyRelatedField(queryset=Repository.objects.all())
    file_path = serializers.CharField(max_length=300)
    code_before = serializers.CharField(allow_blank=True, trim_whitespace=False, default="")
    code_after = serializers.CharField(trim_whitespace=False)
    ai_type = serializers.ChoiceField(choices=Agent.choices)
    description = serializers.CharField()
    risk = serializers.ChoiceField(choices=Proposal.Risk.choices, default="medium")


class ProposalsApi(APIView):
    """Proposals, newest first (``ai_type``, ``status``, ``limit``, ``skip``); POST creates one."""

    @extend_schema(
        parameters=[OpenApiParameter(n, str) for n in ("ai_type", "status", "limit", "skip")], responses={200: None}
    )
    def get(self, request):
        try:
            limit = min(200, max(1, int(request.query_params.get("limit", 50))))
            skip = max(0, int(request.query_params.get("skip", 0)))
        except ValueError:
            raise serializers.ValidationError({"limit": "limit and skip are whole numbers."}) from None
        rows = selectors.proposals(
            ai_type=request.query_params.get("ai_type") or None, status=request.query_params.get("status") or None
        )
        return Response(
            {"count": rows.count(), "results": ProposalSerializer(rows[skip : skip + limit], many=True).data}
        )

    @extend_schema(request=ProposalInput, responses={201: ProposalSerializer})
    def post(self, request):
        data = ProposalInput(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.create_proposal(actor=request.user, **data.validated_data)
        return Response(ProposalSerializer(proposal).data, status=201)


class ProposalApi(APIView):
    @extend_schema(responses=ProposalSerializer, operation_id="proposal_detail")
    def get(self, request, proposal_id: int):
        return Response(ProposalSerializer(selectors.proposal(proposal_id=proposal_id)).data)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DecideApi(APIView):
    permission_classes = [IsReviewer]
    accept = True

    @extend_schema(request=ReasonInput, responses={200: ProposalSerializer})
    def post(self, request, proposal_id: int):
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.decide(
            proposal=selectors.proposal(proposal_id=proposal_id),
            reviewer=request.user,
            accept=self.accept,
            reason=data.validated_data["reason"],
        )
        return Response(ProposalSerializer(proposal).data)


class AcceptApi(DecideApi):
    accept = True


class RejectApi(DecideApi):
    accept = False


class ApplyApi(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(request=None, responses={200: ProposalSerializer})
    def post(self, request, proposal_id: int):
        proposal = services.apply(proposal=selectors.proposal(proposal_id=proposal_id), reviewer=request.user)
        return Response(ProposalSerializer(proposal).data)


class AgentsApi(APIView):
    @extend_schema(responses={200: None})
    def get(self, request):
        return Response(
            [
                {
                    "agent": r.agent,
                    "xp": r.xp,
                    "level": r.level,
                    "accepted": r.accepted,
                    "rejected": r.rejected,
                    "success_rate": r.success_rate,
                    "learning_score": r.learning_score,
                }
                for r in selectors.agents()
            ]
        )


def _accepted(job) -> Response:
    job.refresh_from_db()
    url = reverse("api:job-detail", kwargs={"job_id": job.id})
    return Response({"job": JobOutputSerializer(job).data, "url": url}, status=202, headers={"Location": url})


class TestApi(APIView):
    """Run the repository's tests with this proposal applied (a job; the result lands on the proposal)."""

    @extend_schema(request=None, responses={202: None})
    def post(self, request, proposal_id: int):
        proposal = selectors.proposal(proposal_id=proposal_id)
        if not proposal.repository.test_command.strip():
            raise serializers.ValidationError({"repository": f"{proposal.repository.name} has no test command."})
        return _accepted(
            core_services.enqueue_job(owner=request.user, kind="proposals.sandbox", params={"proposal": proposal.pk})
        )


class AutoApplyApi(APIView):
    """Apply every pending proposal the policy allows whose tests pass (a job; reviewers only)."""

    permission_classes = [IsReviewer]

    @extend_schema(request=None, responses={202: None})
    def post(self, request):
        return _accepted(core_services.enqueue_job(owner=request.user, kind="proposals.auto_apply"))


class AnalyseInput(serializers.Serializer):
    file_path = serializers.CharField(max_length=300)
    code = serializers.CharField(trim_whitespace=False)


def suggestion_output(s) -> dict:
    return {
        "id": s.id,
        "file_path": s.file_path,
        "rule": s.rule,
        "name": s.name,
        "severity": s.severity,
        "confidence": s.confidence,
        "cwe": s.cwe,
        "line": s.line,
        "message": s.message,
        "fix": {"code_before": s.code_before, "code_after": s.code_after} if s.code_after else None,
        "proposal": s.proposal_id,
    }


class AnalyseApi(APIView):
    """Guardian's findings (Bandit and its own rules) on posted Python code, with mechanical fixes."""

    @extend_schema(request=AnalyseInput, responses={200: None})
    def post(self, request):
        data = AnalyseInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = services.analyse(actor=request.user, **data.validated_data)
        return Response({"findings": [suggestion_output(s) for s in found]})


class ApproveInput(serializers.Serializer):
    repository = serializers.PrimaryKeyRelatedField(queryset=Repository.objects.all())


class ApproveSuggestionApi(APIView):
    @extend_schema(request=ApproveInput, responses={201: ProposalSerializer})
    def post(self, request, suggestion_id: int):
        data = ApproveInput(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = selectors.suggestion_of(user=request.user, suggestion_id=suggestion_id)
        proposal = services.approve_suggestion(
            suggestion=suggestion, repository=data.validated_data["repository"], actor=request.user
        )
        return Response(ProposalSerializer(proposal).data, status=201)


class LearningStatsApi(APIView):
    """Acceptance by agent, file type and risk; the most common rejection reasons."""

    @extend_schema(responses={200: None})
    def get(self, request):
        return Response(selectors.learning_stats())


class AnalyticsOverviewApi(APIView):
    @extend_schema(responses={200: None})
    def get(self, request):
        return Response(selectors.overview())
