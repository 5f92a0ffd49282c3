from django.urls import path

from . import api

app_name = "auth"

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="me"),
]
