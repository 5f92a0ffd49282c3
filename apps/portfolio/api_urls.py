from django.urls import path

from . import api

app_name = "portfolio"

P = "portfolios/<int:portfolio_id>/"

urlpatterns = [
    path("portfolios/", api.PortfolioListApi.as_view(), name="portfolios"),
    path(P, api.PortfolioApi.as_view(), name="portfolio"),
    path(P + "transactions/", api.TransactionListApi.as_view(), name="transactions"),
    path(P + "transactions/import/", api.ImportApi.as_view(), name="import"),
    path(P + "transactions/export/", api.ExportApi.as_view(), name="export"),
    path(P + "transactions/<int:transaction_id>/", api.TransactionApi.as_view(), name="transaction"),
    path(P + "holdings/", api.HoldingsApi.as_view(), name="holdings"),
    # The seed's name for the same read.
    path(P + "assets/", api.HoldingsApi.as_view(), name="assets"),
    path(P + "performance/", api.PerformanceApi.as_view(), name="performance"),
    path(P + "analytics/", api.AnalyticsApi.as_view(), name="analytics"),
    path(P + "allocation/", api.AllocationApi.as_view(), name="allocation"),
    path(P + "dividends/", api.DividendsApi.as_view(), name="dividends"),
    path(P + "rebalance/", api.RebalanceApi.as_view(), name="rebalance"),
    path(P + "optimize/", api.OptimizeApi.as_view(), name="optimize"),
    path(P + "backtests/", api.BacktestApi.as_view(), name="backtests"),
    path(P + "orders/", api.OrderListApi.as_view(), name="orders"),
    path(P + "orders/<int:order_id>/", api.OrderApi.as_view(), name="order"),
    path(P + "orders/<int:order_id>/cancel/", api.CancelOrderApi.as_view(), name="cancel-order"),
    path(P + "audit/", api.AuditApi.as_view(), name="audit"),
]
