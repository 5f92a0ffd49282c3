from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    """Portfolios with a Decimal ledger, tax lots, performance, paper trading and backtests."""

    name = "apps.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from apps.accounts import selectors as accounts_selectors
        from apps.market.signals import ticks_recorded

        from . import selectors, services

        # Paper orders are matched against every batch of prices the market feed stores.
        ticks_recorded.connect(services.on_ticks, dispatch_uid="portfolio.match_orders")
        accounts_selectors.register_exporter("portfolios", selectors.export_for_user)
