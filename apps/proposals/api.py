"""REST API of the proposals app: ``/api/v1/proposals/`` (repositories, proposals, decisions, apply,
agents, learning, analytics, debug) and the agents' own routes ``/api/v1/guardian/``,
``/api/v1/imperium/`` and ``/api/v1/conquest/``.

Who may do what (the README's table): reviewers and administrators read everything, create
proposals, run agents and tests, decide, apply and auto-apply; anyone else signed in reads the
repositories they are a member of (``RepositoryMember``), and their proposals, runs and findings,
and may analyse or optimise posted code. Registering repositories, seeing a repository's server path
and ``debug`` are for administrators."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import IsAdminRole
from apps.accounts.permissions import IsReviewer as _IsReviewer
from apps.codegen import services as codegen_services
from apps.codegen.api import GenerationSerializer
from apps.core import services as core_services
from apps.core.api import JobAcceptedSerializer, JobOutputSerializer
from apps.core.pagination import StandardPagination, paginate
from apps.core.schema import JSON_LIST

from . import selectors, services
from .models import Agent, Proposal, Repository


def _needs_reviewer(action: str) -> type[_IsReviewer]:
    """A permission for reviewers and administrators whose 403 names the role and the action."""
    return type(
        "IsReviewer",
        (_IsReviewer,),
        {"message": f"Only reviewers and administrators may {action}; ask an administrator for the reviewer role."},
    )


MayPropose = _needs_reviewer("create proposals")
MayRunAgents = _needs_reviewer("run agents")
MayRunTests = _needs_reviewer("run tests")
MayDecide = _needs_reviewer("decide or apply proposals")
MayAutoApply = _needs_reviewer("auto-apply proposals")
MayReadAnalytics = _needs_reviewer("read the agents' standing, learning and analytics")


class RepositorySerializer(serializers.ModelSerializer):
    """A repository; its ``path`` on the server is shown to administrators only."""

    class Meta:
        model = Repository
        fields = ["id", "name", "path", "default_branch", "test_command", "run_hooks", "created_at"]
        read_only_fields = ["run_hooks"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not (request and getattr(request.user, "is_administrator", False)):
            data.pop("path", None)
        return data


class RepositoriesApi(APIView):
    """Registered repositories; registering one (a path on this server) is for administrators."""

    def get_permissions(self):
        return [IsAdminRole()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(responses=RepositorySerializer(many=True))
    def get(self, request):
        rows = selectors.repositories(user=request.user)
        return Response(RepositorySerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(request=RepositorySerializer, responses={201: RepositorySerializer})
    def post(self, request):
        data = RepositorySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repository = services.register_repository(actor=request.user, **data.validated_data)
        return Response(RepositorySerializer(repository, context={"request": request}).data, status=201)


class ProposalSerializer(serializers.ModelSerializer):
    repository = serializers.PrimaryKeyRelatedField(read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
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
            "more_files",
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
            "run",
            "created_at",
        ]

    def get_stale(self, obj) -> bool:
        stale = self.context.get("stale")  # a list works the flags out together
        return obj.pk in stale if stale is not None else services.is_stale(obj)


class ProposalInput(serializers.Serializer):
    repository = serializers.PrimaryKeyRelatedField(queryset=Repository.objects.all())
    file_path = serializers.CharField(max_length=300)
    code_before = serializers.CharField(allow_blank=True, trim_whitespace=False, default="")
    code_after = serializers.CharField(trim_whitespace=False)
    ai_type = serializers.ChoiceField(choices=Agent.choices)
    description = serializers.CharField()
    risk = serializers.ChoiceField(choices=Proposal.Risk.choices, default="medium")


class ProposalFilters(serializers.Serializer):
    ai_type = serializers.ChoiceField(choices=Agent.choices, required=False)
    status = serializers.ChoiceField(choices=Proposal.Status.choices, required=False)
    risk = serializers.ChoiceField(choices=Proposal.Risk.choices, required=False)
    repository = serializers.IntegerField(required=False, min_value=1)
    q = serializers.CharField(required=False, max_length=200)


class ProposalsApi(APIView):
    """Proposals, newest first (``ai_type``, ``status``, ``risk``, ``repository``, ``q``; paginated
    with ``limit``/``offset``, ``skip`` being an alias of ``offset``); POST creates one."""

    pagination_class = StandardPagination

    @extend_schema(parameters=[ProposalFilters], responses={200: ProposalSerializer(many=True)})
    def get(self, request):
        filters = ProposalFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page, paginator = paginate(
            request, selectors.proposals(user=request.user, **filters.validated_data), view=self, default_limit=50
        )
        return paginator.get_paginated_response(
            ProposalSerializer(page, many=True, context={"stale": services.stale_ids(page)}).data
        )

    def get_permissions(self):
        return [MayPropose()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(request=ProposalInput, responses={201: ProposalSerializer})
    def post(self, request):
        data = ProposalInput(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.create_proposal(actor=request.user, **data.validated_data)
        return Response(ProposalSerializer(proposal).data, status=201)


class ProposalApi(APIView):
    @extend_schema(responses=ProposalSerializer, operation_id="proposal_detail")
    def get(self, request, proposal_id: int):
        return Response(ProposalSerializer(selectors.proposal(user=request.user, proposal_id=proposal_id)).data)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DecideApi(APIView):
    permission_classes = [MayDecide]
    accept = True

    @extend_schema(request=ReasonInput, responses={200: ProposalSerializer})
    def post(self, request, proposal_id: int):
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.decide(
            proposal=selectors.proposal(user=request.user, proposal_id=proposal_id),
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
    permission_classes = [MayDecide]

    @extend_schema(request=None, responses={200: ProposalSerializer})
    def post(self, request, proposal_id: int):
        proposal = services.apply(
            proposal=selectors.proposal(user=request.user, proposal_id=proposal_id), reviewer=request.user
        )
        return Response(ProposalSerializer(proposal).data)


def _accepted(job, **extra) -> Response:
    job.refresh_from_db()
    url = reverse("api:job-detail", kwargs={"job_id": job.id})
    return Response({"job": JobOutputSerializer(job).data, "url": url, **extra}, status=202, headers={"Location": url})


def _agent(agent: str) -> str:
    if agent not in Agent.values:
        raise Http404(f"No agent called {agent!r}; the agents are {', '.join(Agent.values)}.")
    return agent


class AgentsApi(APIView):
    """Every agent's status: standing (XP, level, success rate, learning score), pending proposals,
    whether it is running or scheduled, its auto-apply policy and its latest run."""

    permission_classes = [MayReadAnalytics]

    @extend_schema(responses={200: JSON_LIST})
    def get(self, request):
        return Response(selectors.agents())


class AgentApi(APIView):
    permission_classes = [MayReadAnalytics]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="agent_status")
    def get(self, request, agent: str):
        return Response(selectors.agent_status(_agent(agent)))


class AgentMetricsApi(APIView):
    """One agent measured: proposals by status and risk, time to decision, runs, learning curve."""

    permission_classes = [MayReadAnalytics]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, agent: str):
        return Response(selectors.agent_metrics(_agent(agent)))


class RunInput(serializers.Serializer):
    repository = serializers.PrimaryKeyRelatedField(queryset=Repository.objects.all())
    paths = serializers.ListField(child=serializers.CharField(max_length=300), required=False, max_length=100)
    deep = serializers.BooleanField(required=False, default=False)
    deep_files = serializers.ListField(child=serializers.CharField(max_length=300), required=False, max_length=5)
    goal = serializers.ChoiceField(choices=["performance", "readability"], required=False, default="performance")
    proposals = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=200)
    blueprint = serializers.CharField(required=False, max_length=50)
    params = serializers.DictField(required=False)
    files = serializers.ListField(child=serializers.DictField(), required=False, max_length=20)
    description = serializers.CharField(required=False, max_length=500)


def _start(request, agent: str) -> Response:
    data = RunInput(data=request.data)
    data.is_valid(raise_exception=True)
    params = dict(data.validated_data)
    repository = params.pop("repository")
    run = services.start_run(agent=agent, repository=repository, params=params, actor=request.user)
    return _accepted(run.job, run=run.pk, run_url=reverse("api:proposals:run", kwargs={"run_id": run.pk}))


class AgentRunApi(APIView):
    """Run an agent now over a repository: a job with progress; the run keeps the log. Parameters:
    ``paths`` (Guardian, Imperium), ``deep``/``deep_files``/``goal`` (Imperium with Claude),
    ``proposals`` (Sandbox), ``blueprint``/``params`` or ``files`` (Conquest)."""

    permission_classes = [MayRunAgents]

    @extend_schema(request=RunInput, responses={202: JobAcceptedSerializer})
    def post(self, request, agent: str):
        return _start(request, _agent(agent))


class RunSummarySerializer(serializers.Serializer):
    """An agent run in a list (``selectors.run_summary``)."""

    id = serializers.IntegerField()
    agent = serializers.CharField()
    repository = serializers.IntegerField(allow_null=True)
    trigger = serializers.CharField()
    status = serializers.CharField()
    job = serializers.CharField(allow_null=True)
    files_scanned = serializers.IntegerField()
    findings = serializers.IntegerField()
    proposals_created = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    seconds = serializers.FloatField(allow_null=True)


class RunsApi(APIView):
    """Agent runs, newest first (``agent``, ``repository``; paginated with ``limit``/``offset``)."""

    pagination_class = StandardPagination

    @extend_schema(
        parameters=[OpenApiParameter(n, str) for n in ("agent", "repository")],
        responses={200: RunSummarySerializer(many=True)},
    )
    def get(self, request):
        agent = request.query_params.get("agent") or None
        if agent:
            _agent(agent)
        repository = request.query_params.get("repository") or None
        if repository and not repository.isdigit():
            raise serializers.ValidationError({"repository": "A repository id."})
        page, paginator = paginate(
            request, selectors.runs(user=request.user, agent=agent, repository=repository), view=self, default_limit=50
        )
        return paginator.get_paginated_response([selectors.run_summary(r) for r in page])


class RunApi(APIView):
    """One run with its log, its suggestions (Guardian) and the proposals it made."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="agent_run_detail")
    def get(self, request, run_id: int):
        run = selectors.run(user=request.user, run_id=run_id)
        return Response(
            {
                **selectors.run_summary(run),
                "params": run.params,
                "log": run.log,
                "proposals": list(run.proposals.values_list("pk", flat=True)),
                "suggestions": [suggestion_output(s) for s in selectors.suggestions(run=run)[:500]],
            }
        )


class TestApi(APIView):
    """Run the repository's tests with this proposal applied, in the sandbox (a job; the result
    lands on the proposal). Reviewers and administrators only."""

    permission_classes = [MayRunTests]

    @extend_schema(request=None, responses={202: JobAcceptedSerializer})
    def post(self, request, proposal_id: int):
        proposal = selectors.proposal(user=request.user, proposal_id=proposal_id)
        if not proposal.repository.test_command.strip():
            raise serializers.ValidationError({"repository": f"{proposal.repository.name} has no test command."})
        services.check_sandbox()
        return _accepted(
            core_services.enqueue_job(owner=request.user, kind="proposals.sandbox", params={"proposal": proposal.pk})
        )


class AutoApplyApi(APIView):
    """Apply every pending proposal the policy allows whose tests pass (a job; reviewers only)."""

    permission_classes = [MayAutoApply]

    @extend_schema(request=None, responses={202: JobAcceptedSerializer})
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

    @extend_schema(request=AnalyseInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        data = AnalyseInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = services.analyse(actor=request.user, **data.validated_data)
        return Response({"findings": [suggestion_output(s) for s in found]})


class ApproveInput(serializers.Serializer):
    repository = serializers.PrimaryKeyRelatedField(queryset=Repository.objects.all(), required=False)


class ApproveSuggestionApi(APIView):
    permission_classes = [MayPropose]

    @extend_schema(request=ApproveInput, responses={201: ProposalSerializer})
    def post(self, request, suggestion_id: int):
        data = ApproveInput(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = selectors.suggestion_of(user=request.user, suggestion_id=suggestion_id)
        proposal = services.approve_suggestion(
            suggestion=suggestion, repository=data.validated_data.get("repository"), actor=request.user
        )
        return Response(ProposalSerializer(proposal).data, status=201)


class LearningStatsApi(APIView):
    """Acceptance by agent, file type and risk; the most common rejection reasons."""

    permission_classes = [MayReadAnalytics]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(selectors.learning_stats())


class AnalyticsOverviewApi(APIView):
    permission_classes = [MayReadAnalytics]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(selectors.overview())


class LearningInsightsApi(APIView):
    """What the decisions say, in words with the figures behind them: trends, weak spots, policy hints."""

    permission_classes = [MayReadAnalytics]

    @extend_schema(parameters=[OpenApiParameter("minimum", int)], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        minimum = request.query_params.get("minimum", "5")
        if not minimum.isdigit() or not 1 <= int(minimum) <= 1000:
            raise serializers.ValidationError({"minimum": "A whole number from 1 to 1000."})
        return Response(selectors.learning_insights(minimum=int(minimum)))


class AnalyticsProposalsApi(APIView):
    """Proposals over the last ``days`` (default 30): per day, by repository, decision time, apply failures."""

    permission_classes = [MayReadAnalytics]

    @extend_schema(parameters=[OpenApiParameter("days", int)], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        days = request.query_params.get("days", "30")
        if not days.isdigit() or not 1 <= int(days) <= 366:
            raise serializers.ValidationError({"days": "A whole number of days from 1 to 366."})
        return Response(selectors.proposal_analytics(days=int(days)))


class AnalyticsAgentsApi(APIView):
    permission_classes = [MayReadAnalytics]

    @extend_schema(responses={200: JSON_LIST})
    def get(self, request):
        return Response(selectors.agent_analytics())


class DebugApi(APIView):
    """Administrators only: proposal statistics, policy, recent decisions, runs and failures."""

    permission_classes = [IsAdminRole]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(selectors.debug_report())


class GuardianScanApi(APIView):
    """Scan a repository's Python files (a Guardian run)."""

    permission_classes = [MayRunAgents]

    @extend_schema(request=RunInput, responses={202: JobAcceptedSerializer})
    def post(self, request):
        return _start(request, Agent.GUARDIAN)


class OptimiseInput(serializers.Serializer):
    file_path = serializers.CharField(max_length=300)
    code = serializers.CharField(trim_whitespace=False)


class ImperiumOptimiseApi(APIView):
    """Ruff's optimisation fixes for posted Python code: the fixed code, the diff and each change."""

    @extend_schema(request=OptimiseInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        data = OptimiseInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.optimise_posted(**data.validated_data))


class ImperiumRunApi(APIView):
    """Run Imperium over a repository (ruff's fixes; with ``deep``, Claude on ``deep_files``)."""

    permission_classes = [MayRunAgents]

    @extend_schema(request=RunInput, responses={202: JobAcceptedSerializer})
    def post(self, request):
        return _start(request, Agent.IMPERIUM)


class BlueprintsApi(APIView):
    @extend_schema(responses={200: JSON_LIST})
    def get(self, request):
        return Response(services.blueprints())


class ScaffoldInput(serializers.Serializer):
    repository = serializers.PrimaryKeyRelatedField(queryset=Repository.objects.all())
    blueprint = serializers.CharField(required=False, max_length=50)
    params = serializers.DictField(required=False)
    files = serializers.ListField(child=serializers.DictField(), required=False, max_length=20)
    description = serializers.CharField(required=False, max_length=500)


class ScaffoldApi(APIView):
    """A new app or feature from codegen templates, as one multi-file Conquest proposal (rendered
    offline, at once): a ``blueprint`` with ``params``, or ``files`` as ``[{path, template, params}]``."""

    permission_classes = [MayPropose]

    @extend_schema(request=ScaffoldInput, responses={201: ProposalSerializer})
    def post(self, request):
        data = ScaffoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        repository = params.pop("repository")
        proposal = services.scaffold(repository=repository, params=params, actor=request.user)
        return Response(ProposalSerializer(proposal).data, status=201)


class RepositoryGenerateInput(serializers.Serializer):
    prompt = serializers.CharField(trim_whitespace=False, allow_blank=True)
    language = serializers.CharField(max_length=20)
    branch = serializers.CharField(max_length=100, required=False, allow_blank=True)
    paths = serializers.ListField(child=serializers.CharField(max_length=300), required=False, max_length=50)
    conversation = serializers.IntegerField(required=False, allow_null=True)
    max_tokens = serializers.IntegerField(required=False, min_value=16)
    model = serializers.CharField(max_length=100, required=False)
    effort = serializers.CharField(max_length=10, required=False)


class RepositoryGenerationSerializer(serializers.Serializer):
    generation = GenerationSerializer()
    context = serializers.JSONField(help_text="mode, branch, commit, files sent, skipped, tokens and budget")


class RepositoryGenerateApi(APIView):
    """Generate code with a repository's files as context: the ``paths`` given, or the files of the
    branch head that best match the prompt (BM25) within ``PROPOSALS_CONTEXT_TOKEN_BUDGET``. The
    answer is the generation and ``context`` (the files sent, tokens used and the budget). Anyone
    who may read the repository (another repository is a 404)."""

    @extend_schema(request=RepositoryGenerateInput, responses={201: RepositoryGenerationSerializer})
    def post(self, request, repository_id: int):
        repository = selectors.repository(user=request.user, repository_id=repository_id)
        data = RepositoryGenerateInput(data=request.data)
        data.is_valid(raise_exception=True)
        prepared, context = services.prepare_generation(
            owner=request.user, repository=repository, **data.validated_data
        )
        generation = codegen_services.run(prepared)
        return Response({"generation": GenerationSerializer(generation).data, "context": context.summary()}, status=201)


class FromGenerationInput(serializers.Serializer):
    generation = serializers.IntegerField(min_value=1)
    repository = serializers.IntegerField(min_value=1)
    path = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    risk = serializers.ChoiceField(choices=Proposal.Risk.choices, default="medium")
    ai_type = serializers.ChoiceField(choices=Agent.choices, default=Agent.CONQUEST)


class FromGenerationApi(APIView):
    """A proposal from one of your generations (its code as the file at ``path``, new or replacing
    the whole file) or projects (new files under the folder ``path``), pending review. Reviewers and
    administrators."""

    permission_classes = [MayPropose]

    @extend_schema(
        request=FromGenerationInput,
        responses={
            201: ProposalSerializer,
            404: OpenApiResponse(description="No such generation or repository of yours."),
        },
    )
    def post(self, request):
        data = FromGenerationInput(data=request.data)
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)
        repository = selectors.repository(user=request.user, repository_id=given.pop("repository"))
        proposal = services.propose_generation(
            actor=request.user, repository=repository, generation_id=given.pop("generation"), **given
        )
        return Response(ProposalSerializer(proposal).data, status=201)
