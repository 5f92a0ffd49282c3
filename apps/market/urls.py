from django.urls import path, re_path

from . import views

app_name = "market"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("add/", views.add_instrument, name="add"),
    re_path(r"^(?P<symbol>[A-Za-z0-9.^=_-]{1,20})/$", views.instrument, name="instrument"),
    re_path(r"^(?P<symbol>[A-Za-z0-9.^=_-]{1,20})/prediction/$", views.start_prediction, name="prediction"),
    re_path(r"^(?P<symbol>[A-Za-z0-9.^=_-]{1,20})/watch/$", views.watch, name="watch"),
    re_path(r"^(?P<symbol>[A-Za-z0-9.^=_-]{1,20})/model/$", views.model_card, name="model"),
]
