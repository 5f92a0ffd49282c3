from django.urls import path, re_path

from . import api

app_name = "market"

SYMBOL = r"(?P<symbol>[A-Za-z0-9.^=_-]{1,20})"

urlpatterns = [
    re_path(r"^stocks/search/?$", api.SearchApi.as_view(), name="search"),
    re_path(rf"^stocks/{SYMBOL}/?$", api.QuoteApi.as_view(), name="quote"),
    re_path(rf"^stocks/{SYMBOL}/history/?$", api.HistoryApi.as_view(), name="history"),
    re_path(rf"^stocks/{SYMBOL}/fundamentals/?$", api.FundamentalsApi.as_view(), name="fundamentals"),
    re_path(rf"^stocks/{SYMBOL}/news/?$", api.NewsApi.as_view(), name="news"),
    re_path(rf"^stocks/{SYMBOL}/analysis/?$", api.AnalysisApi.as_view(), name="analysis"),
    re_path(rf"^stocks/{SYMBOL}/prediction/?$", api.PredictionApi.as_view(), name="prediction"),
    path("watchlist/", api.WatchlistApi.as_view(), name="watchlist"),
    re_path(rf"^watchlist/{SYMBOL}/?$", api.WatchlistItemApi.as_view(), name="watchlist-item"),
    path("indices/", api.IndicesApi.as_view(), name="indices"),
    path("trending/", api.TrendingApi.as_view(), name="trending"),
    path("gainers/", api.GainersApi.as_view(), name="gainers"),
    path("losers/", api.LosersApi.as_view(), name="losers"),
]
