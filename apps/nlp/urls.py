from django.urls import path

from . import views

app_name = "nlp"

urlpatterns = [
    path("", views.index, name="index"),
    path("analyses/<int:analysis_id>/", views.analysis_detail, name="analysis"),
    path("topics/", views.topics, name="topics"),
    path("topics/<uuid:job_id>/", views.topics_result, name="topics-result"),
]
