"""Market pages: search and movers; an instrument page with the chart, live price, signals, risk, news."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core import selectors as core_selectors
from apps.core import services as core_services
from apps.core.errors import ServiceUnavailable

from . import selectors, services
from .forms import AddInstrumentForm


@login_required
def index(request, form=None):
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
            "add_form": form or AddInstrumentForm(),
            "providers_configured": services.providers_configured(),
        },
        status=400 if form is not None else 200,
    )


@login_required
@require_POST
def add_instrument(request):
    """Add an instrument by symbol: bars from the uploaded file or from the data providers."""
    form = AddInstrumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return index(request, form=form)
    data = form.cleaned_data
    upload = data["bars"]
    try:
        item = services.add_instrument(
            symbol=data["symbol"],
            name=data["name"],
            asset_type=data["asset_type"],
            interval=data["interval"],
            filename=upload.name if upload else None,
            data=upload.read() if upload else None,
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error("bars" if field == "file" else field if field in form.fields else None, errors)
        return index(request, form=form)
    except ServiceUnavailable as exc:
        form.add_error(
            None,
            f"{exc} Nothing was added. Upload a CSV of bars to add {data['symbol'].upper()} by hand, "
            "or try again when a provider answers.",
        )
        return index(request, form=form)
    messages.success(request, f"{item.symbol} added ({item.data_source}). Watch it or buy it in a portfolio.")
    return redirect("market:instrument", symbol=item.symbol)


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
    interval = selectors.native_interval(item) or "1d"
    last = selectors.last_bars(instrument=item, interval=interval, count=1)
    quote = services.cached_quote(instrument=item)
    return render(
        request,
        "market/instrument.html",
        {
            "instrument": item,
            "quote": quote,
            "analysis": analysis,
            "analysis_error": analysis_error,
            "news": selectors.news_for(instrument=item),
            "interval": interval,
            "history_end": last[-1]["time"] if last else None,
            "ranges": ["1mo", "3mo", "6mo", "1y", "5y", "max"],
            "default_range": "1y",
            "watched": selectors.is_watched(user=request.user, instrument=item),
            **_model_context(request, item),
        },
    )


@login_required
@require_POST
def watch(request, symbol: str):
    """Watch or (with ``action=unwatch``) stop watching the instrument; back to its page."""
    item = selectors.instrument(symbol=symbol)
    if request.POST.get("action") == "unwatch":
        services.unwatch_instrument(user=request.user, symbol=item.symbol)
        messages.success(request, f"{item.symbol} is no longer on your watchlist.")
    else:
        services.watch_instrument(user=request.user, symbol=item.symbol)
        messages.success(request, f"{item.symbol} is on your watchlist (see the dashboard).")
    return redirect("market:instrument", symbol=item.symbol)


def _model_context(request, item) -> dict:
    """The person's latest direction model for this instrument, shown where it was started."""
    job = (
        core_selectors.jobs_of(user=request.user, kind="market.predict")
        .filter(params__symbol=item.symbol)
        .order_by("-created_at")
        .first()
    )
    return {"model_job": job, "model": prediction_summary(job.result) if job and job.result else None}


def prediction_summary(result: dict) -> dict:
    """A trained model's validation in words: its accuracy against each naive baseline."""
    baselines = result.get("baselines") or {}
    names = {
        "majority_direction": "always betting on the direction that was most common in training",
        "persistence": f"assuming the last {result.get('horizon_bars', 5)} bars' direction continues",
    }
    accuracy = float(result.get("accuracy") or 0)
    rows = [{"name": "This model", "accuracy": accuracy, "model": True}]
    comparisons = []
    for key, value in baselines.items():
        value = float(value)
        rows.append({"name": names.get(key, key.replace("_", " ")), "accuracy": value, "model": False})
        gap = (accuracy - value) * 100
        word = "better than" if gap > 0 else "worse than" if gap < 0 else "the same as"
        comparisons.append(f"{abs(gap):.1f} points {word} {names.get(key, key)} ({value:.1%})" if gap else "")
    best = max((float(v) for v in baselines.values()), default=None)
    beats = bool(result.get("beats_baseline"))
    verdict = (
        "It beat every simple rule, but by a margin this small it is a weak signal, not advice."
        if beats
        else "It did not beat the best simple rule, so its calls carry no edge: do not trade on them."
    )
    return {
        "accuracy": accuracy,
        "best_baseline": best,
        "rows": rows,
        "comparisons": [c for c in comparisons if c],
        "verdict": verdict,
        "beats": beats,
        "horizon": result.get("horizon_bars"),
        "folds": result.get("folds"),
        "samples": result.get("samples"),
        "prediction": result.get("prediction"),
        "chart": {"labels": [r["name"] for r in rows], "values": [round(r["accuracy"] * 100, 2) for r in rows]},
    }


@login_required
def model_card(request, symbol: str):
    """The htmx partial of the model card, polled while its job runs."""
    item = selectors.instrument(symbol=symbol)
    return render(request, "market/_model.html", {"instrument": item, **_model_context(request, item)})


@login_required
@require_POST
def start_prediction(request, symbol: str):
    item = selectors.instrument(symbol=symbol)
    interval = selectors.native_interval(item)
    if interval is None:
        messages.error(request, f"{item.symbol} has no price history to learn from.")
        return redirect("market:instrument", symbol=item.symbol)
    core_services.enqueue_job(
        owner=request.user, kind="market.predict", params={"symbol": item.symbol, "interval": interval, "horizon": 5}
    )
    # The result appears on the instrument page, where the training was started.
    return redirect(reverse("market:instrument", args=[item.symbol]) + "#model")
