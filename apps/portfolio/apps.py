from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    """Portfolios with a Decimal ledger, tax lots, performance, paper trading and backtests."""

    name = "apps.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio"
