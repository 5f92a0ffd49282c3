from django.urls import path

from . import api

app_name = "proposals"

urlpatterns = [
    path("", api.ProposalsApi.as_view(), name="proposals"),
    path("repositories/", api.RepositoriesApi.as_view(), name="repositories"),
    path("repositories/<int:repository_id>/generate/", api.RepositoryGenerateApi.as_view(), name="generate"),
    path("from-generation/", api.FromGenerationApi.as_view(), name="from-generation"),
    path("agents/", api.AgentsApi.as_view(), name="agents"),
    path("agents/runs/", api.RunsApi.as_view(), name="runs"),
    path("agents/runs/<int:run_id>/", api.RunApi.as_view(), name="run"),
    path("agents/<str:agent>/", api.AgentApi.as_view(), name="agent"),
    path("agents/<str:agent>/run/", api.AgentRunApi.as_view(), name="agent-run"),
    path("agents/<str:agent>/metrics/", api.AgentMetricsApi.as_view(), name="agent-metrics"),
    path("learning/stats/", api.LearningStatsApi.as_view(), name="learning-stats"),
    path("learning/insights/", api.LearningInsightsApi.as_view(), name="learning-insights"),
    path("analytics/overview/", api.AnalyticsOverviewApi.as_view(), name="analytics-overview"),
    path("analytics/proposals/", api.AnalyticsProposalsApi.as_view(), name="analytics-proposals"),
    path("analytics/agents/", api.AnalyticsAgentsApi.as_view(), name="analytics-agents"),
    path("debug/", api.DebugApi.as_view(), name="debug"),
    path("auto-apply/", api.AutoApplyApi.as_view(), name="auto-apply"),
    path("<int:proposal_id>/test/", api.TestApi.as_view(), name="test"),
    path("<int:proposal_id>/", api.ProposalApi.as_view(), name="proposal"),
    path("<int:proposal_id>/accept/", api.AcceptApi.as_view(), name="accept"),
    path("<int:proposal_id>/reject/", api.RejectApi.as_view(), name="reject"),
    path("<int:proposal_id>/apply/", api.ApplyApi.as_view(), name="apply"),
]
