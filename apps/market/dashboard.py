"""The market panel of the personal dashboard: the watchlist, today's movers and the latest news with sentiment."""

from . import selectors

ORDER = 20
MOVERS = 5
NEWS = 6


def panel(request) -> dict:
    rows = sorted(selectors.movers(), key=lambda r: -abs(r["change_percent"]))[:MOVERS]
    return {
        "template": "market/_dashboard_panel.html",
        "context": {
            "movers": rows,
            "news": selectors.latest_news(limit=NEWS),
            "watchlist": [
                {"instrument": i, "quote": getattr(i, "quote", None)} for i in selectors.watchlist(user=request.user)
            ],
        },
        "order": ORDER,
    }
