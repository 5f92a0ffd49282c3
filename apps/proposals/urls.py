from django.urls import path

from . import views

app_name = "proposals"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:proposal_id>/", views.detail, name="detail"),
    path("<int:proposal_id>/test/", views.test, name="test"),
    path("<int:proposal_id>/<str:decision>/", views.decide, name="decide"),
    path("agents/run/", views.run_agent, name="run-agent"),
    path("runs/<int:run_id>/", views.run, name="run"),
]
