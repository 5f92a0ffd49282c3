from django.urls import path

from . import api

app_name = "conquest"

urlpatterns = [
    path("blueprints/", api.BlueprintsApi.as_view(), name="blueprints"),
    path("scaffold/", api.ScaffoldApi.as_view(), name="scaffold"),
]
