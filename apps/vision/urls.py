from django.urls import path

from . import views

app_name = "vision"

urlpatterns = [
    path("", views.index, name="index"),
    path("jobs/<uuid:job_id>/", views.job, name="job"),
    path("jobs/<uuid:job_id>/delete/", views.delete_job, name="delete-job"),
]
