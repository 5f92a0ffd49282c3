from django.urls import path

from . import api

app_name = "nlp"

urlpatterns = [
    *(path(f"{kind}/", api.analysis_view(kind).as_view(), name=kind) for kind in api.OPTIONS),
    path("generate/", api.GenerateApi.as_view(), name="generate"),
    path("batch/", api.BatchApi.as_view(), name="batch"),
    path("batch/<uuid:job_id>/download/", api.BatchDownloadApi.as_view(), name="batch-download"),
    path("topics/", api.TopicsApi.as_view(), name="topics"),
    path("analyses/", api.AnalysisListApi.as_view(), name="analyses"),
    path("analyses/<int:analysis_id>/", api.AnalysisDetailApi.as_view(), name="analysis"),
    path("models/", api.ModelsApi.as_view(), name="models"),
]
