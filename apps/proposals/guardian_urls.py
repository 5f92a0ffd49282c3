from django.urls import path

from . import api

app_name = "guardian"

urlpatterns = [
    path("analyze/", api.AnalyseApi.as_view(), name="analyze"),
    path("scan/", api.GuardianScanApi.as_view(), name="scan"),
    path("suggestions/<int:suggestion_id>/approve/", api.ApproveSuggestionApi.as_view(), name="approve"),
]
