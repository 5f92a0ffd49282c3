from django.urls import path

from . import api

app_name = "codegen"

urlpatterns = [
    path("generate/code/", api.GenerateCodeApi.as_view(), name="code"),
    path("generate/improve/", api.ImproveApi.as_view(), name="improve"),
    path("generate/explain/", api.ExplainApi.as_view(), name="explain"),
    path("generate/project/", api.ProjectApi.as_view(), name="project"),
    path("projects/<int:generation_id>/files/", api.ProjectFilesApi.as_view(), name="project-files"),
    path("projects/<int:generation_id>/zip/", api.ProjectZipApi.as_view(), name="project-zip"),
    path("generate/languages/", api.LanguagesApi.as_view(), name="languages"),
    path("generate/templates/", api.TemplatesApi.as_view(), name="templates"),
    path("generate/templates/<slug:slug>/", api.TemplateApi.as_view(), name="template"),
    path("generate/templates/<slug:slug>/render/", api.RenderTemplateApi.as_view(), name="render"),
    path("history/", api.HistoryApi.as_view(), name="history"),
    path("history/<int:generation_id>/", api.GenerationApi.as_view(), name="generation"),
    path("conversations/<int:generation_id>/", api.ConversationApi.as_view(), name="conversation"),
    path("usage/", api.UsageApi.as_view(), name="usage"),
]
