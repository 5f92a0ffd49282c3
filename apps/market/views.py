"""Market pages: search and movers; an instrument page with the chart, live price, signals, risk, news."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.core import services as core_services

from . import selectors, services


@login_required
def index(request):
    rows = selectors.movers()
    gainers = sorted((r for r in rows if r["change_percent"] > 0), key=lambda r: -r["change_percent"])[:10]
    losers = sorted((r for r in rows if r["change_percent"] < 0), key=lambda r: r["change_percent"])[:10]
    return render(
        request,
        "market/index.html",
        {
            "gainers": gainers,
            "losers": losers,
            "instruments": selectors.active_instruments().select_related("quote"),
        },
    )


@login_required
def search(request):
    """The suggestions under the search box (an htmx partial)."""
    q = request.GET.get("q", "")[:100]
    return render(request, "market/_search_results.html", {"results": selectors.search(query=q), "q": q})


@login_required
def instrument(request, symbol: str):
    item = selectors.instrument(symbol=symbol)
    try:
        analysis, analysis_error = services.analysis(instrument=item), None
    except ValidationError as exc:
        analysis, analysis_error = None, " ".join(exc.messages)
    return render(
        request,
        "market/instrument.html",
        {
            "instrument": item,
            "quote": services.cached_quote(instrument=item),
            "analysis": analysis,
            "analysis_error": analysis_error,
            "news": selectors.news_for(instrument=item),
            "interval": selectors.native_interval(item) or "1d",
            "ranges": ["1mo", "3mo", "6mo", "1y", "5y", "max"],
            "default_range": "1y",
        },
    )


@login_required
@require_POST
def start_prediction(request, symbol: str):
    item = selectors.instrument(symbol=symbol)
    interval = selectors.native_interval(item)
    if interval is None:
        messages.error(request, f"{item.symbol} has no price history to learn from.")
        return redirect("market:instrument", symbol=item.symbol)
    job = core_services.enqueue_job(
        owner=request.user, kind="market.predict", params={"symbol": item.symbol, "interval": interval, "horizon": 5}
    )
    return redirect("core:job-detail", job_id=job.id)
