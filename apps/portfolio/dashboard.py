"""The portfolio panel of the personal dashboard: each portfolio's value and its change today."""

from decimal import Decimal

from apps.market import selectors as market

from . import selectors

ORDER = 10


def panel(request) -> dict:
    rows = []
    for portfolio in selectors.portfolios_of(user=request.user):
        view = selectors.holdings_view(portfolio=portfolio)
        change = Decimal(0)
        known = False
        for holding in view["holdings"]:
            quote = market.quote_of(market.instrument(symbol=holding["symbol"]))
            if quote is not None and quote.previous_close and holding["price"] is not None:
                change += holding["quantity"] * (holding["price"] - quote.previous_close)
                known = True
        before = view["total_value"] - change
        rows.append(
            {
                "portfolio": portfolio,
                "value": view["total_value"],
                "currency": view["currency"],
                "day_change": change if known else None,
                "day_change_fraction": change / before if known and before else None,
            }
        )
    return {"template": "portfolio/_dashboard_panel.html", "context": {"rows": rows}, "order": ORDER}
