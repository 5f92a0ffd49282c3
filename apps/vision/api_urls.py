from django.urls import path, re_path

from . import api

app_name = "vision"

urlpatterns = [
    path("batch/", api.BatchApi.as_view(), name="batch"),
    path("jobs/", api.JobListApi.as_view(), name="jobs"),
    path("jobs/<uuid:job_id>/", api.JobApi.as_view(), name="job"),
    path("files/<uuid:file_id>/", api.FileApi.as_view(), name="file"),
    path("usage/", api.UsageApi.as_view(), name="usage"),
    re_path(
        r"^(?P<operation>enhance|resize|thumbnail|detect|style-transfer|style_transfer|classify)/$",
        api.OperationApi.as_view(),
        name="operation",
    ),
]
