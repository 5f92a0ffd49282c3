from django.urls import path

from . import api

app_name = "proposals"

urlpatterns = [
    path("", api.ProposalsApi.as_view(), name="proposals"),
    path("repositories/", api.RepositoriesApi.as_view(), name="repositories"),
    path("agents/", api.AgentsApi.as_view(), name="agents"),
    path("learning/stats/", api.LearningStatsApi.as_view(), name="learning-stats"),
    path("analytics/overview/", api.AnalyticsOverviewApi.as_view(), name="analytics-overview"),
    path("auto-apply/", api.AutoApplyApi.as_view(), name="auto-apply"),
    path("<int:proposal_id>/test/", api.TestApi.as_view(), name="test"),
    path("<int:proposal_id>/", api.ProposalApi.as_view(), name="proposal"),
    path("<int:proposal_id>/accept/", api.AcceptApi.as_view(), name="accept"),
    path("<int:proposal_id>/reject/", api.RejectApi.as_view(), name="reject"),
    path("<int:proposal_id>/apply/", api.ApplyApi.as_view(), name="apply"),
]
