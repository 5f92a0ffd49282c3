from django.urls import path

from . import api

app_name = "imperium"

urlpatterns = [
    path("optimize/", api.ImperiumOptimiseApi.as_view(), name="optimize"),
    path("run/", api.ImperiumRunApi.as_view(), name="run"),
]
