from django.urls import path, re_path

from . import api

urlpatterns = [
    path("jobs/", api.JobListApi.as_view(), name="job-list"),
    # `/api/v1/jobs/<id>` with or without the trailing slash.
    re_path(
        r"^jobs/(?P<job_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/?$",
        api.JobDetailApi.as_view(),
        name="job-detail",
    ),
    path("system/selfcheck/", api.SelfCheckApi.as_view(), name="selfcheck"),
]
