"""Reads of the market app: instruments, quotes, bar ranges, search and movers."""

from datetime import datetime
from difflib import SequenceMatcher

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from .engine import risk
from .models import Bar, Instrument, NewsItem, Quote, WatchlistItem


class UnknownSymbol(Http404):
    def __init__(self, symbol: str):
        super().__init__(f"Unknown symbol {symbol!r}.")
        self.symbol = symbol


def instrument(*, symbol: str) -> Instrument:
    found = Instrument.objects.filter(symbol__iexact=symbol.strip(), is_active=True).first()
    if found is None:
        raise UnknownSymbol(symbol)
    return found


def active_instruments() -> QuerySet[Instrument]:
    return Instrument.objects.filter(is_active=True)


def watchlist(*, user) -> list[Instrument]:
    """The instruments the user watches (by symbol), each with its quote loaded."""
    return [
        w.instrument
        for w in WatchlistItem.objects.filter(user=user, instrument__is_active=True)
        .select_related("instrument", "instrument__quote")
        .order_by("instrument__symbol")
    ]


def is_watched(*, user, instrument: Instrument) -> bool:
    return WatchlistItem.objects.filter(user=user, instrument=instrument).exists()


def instruments_by_id(ids: list[int]) -> list[Instrument]:
    return list(Instrument.objects.filter(pk__in=ids).order_by("symbol"))


def default_benchmark() -> Instrument | None:
    """The index that beta, correlation and portfolio comparisons use unless told otherwise."""
    symbol = settings.MARKET_DEFAULT_BENCHMARK
    return Instrument.objects.filter(symbol__iexact=symbol, is_active=True).first() if symbol else None


def known_symbols(symbols: list[str]) -> dict[str, Instrument]:
    """Upper-cased symbol → instrument, for those that exist."""
    wanted = {s.strip().upper() for s in symbols}
    return {i.symbol.upper(): i for i in Instrument.objects.filter(symbol__in=wanted, is_active=True)}


def bars(
    *,
    instrument: Instrument,
    interval: str,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Bars oldest first, as plain dicts (one query, only the columns needed)."""
    if interval not in Bar.Interval.values:
        raise ValidationError({"interval": f"Must be one of {', '.join(Bar.Interval.values)}."})
    rows = Bar.objects.filter(instrument=instrument, interval=interval)
    if start:
        rows = rows.filter(time__gte=start)
    if end:
        rows = rows.filter(time__lte=end)
    values = rows.values("time", "open", "high", "low", "close", "volume")
    if limit:
        return list(reversed(values.order_by("-time")[:limit]))
    return list(values.order_by("time"))


def bars_before(*, instrument: Instrument, interval: str, before: datetime, count: int) -> list[dict]:
    """The ``count`` bars just before ``before``, oldest first (the warm-up of indicators)."""
    rows = Bar.objects.filter(instrument=instrument, interval=interval, time__lt=before)
    values = rows.values("time", "open", "high", "low", "close", "volume").order_by("-time")[:count]
    return list(reversed(values))


def last_bars(*, instrument: Instrument, interval: str, count: int) -> list[dict]:
    return bars(instrument=instrument, interval=interval, limit=count)


NATIVE_ORDER = ("1d", "1h", "15m", "5m", "1m", "1wk", "1mo")


def native_interval(instrument: Instrument) -> str | None:
    """The finest interval the instrument has bars for (daily preferred when it has them). Each
    probe is one lookup in the (instrument, interval, time) index; usually the first answers."""
    bars = Bar.objects.filter(instrument=instrument)
    return next((i for i in NATIVE_ORDER if bars.filter(interval=i).exists()), None)


def bars_version(instrument_id: int) -> int:
    """A number that changes whenever the instrument's bars change (cache keys carry it)."""
    return cache.get_or_set(f"market:bars-version:{instrument_id}", 1, timeout=None)


def bars_versions(instrument_ids) -> dict[int, int]:
    """``bars_version`` of many instruments in one cache round trip (an absent version is 1, as
    ``bars_version`` would set it)."""
    keys = {i: f"market:bars-version:{i}" for i in instrument_ids}
    found = cache.get_many(list(keys.values()))
    return {i: found.get(key, 1) for i, key in keys.items()}


def quote_of(instrument: Instrument) -> Quote | None:
    return Quote.objects.filter(instrument=instrument).first()


def search(*, query: str, limit: int = 10) -> list[tuple[Instrument, float]]:
    """Instruments ranked by how well symbol or name match: exact symbol, symbol prefix, name
    prefix, name contains, then fuzzy similarity (catches typos such as "gogle")."""
    q = query.strip().lower()
    if not q:
        return []
    ranked = []
    for item in active_instruments().only("symbol", "name", "exchange", "asset_type", "currency"):
        symbol, name = item.symbol.lower(), item.name.lower()
        if symbol == q:
            score = 1.0
        elif symbol.startswith(q):
            score = 0.9
        elif name.startswith(q):
            score = 0.8
        elif q in name:
            score = 0.7
        else:
            fuzzy = max(
                SequenceMatcher(None, q, symbol).ratio(),
                max((SequenceMatcher(None, q, word).ratio() for word in name.split()), default=0),
            )
            score = 0.6 * fuzzy if fuzzy >= 0.6 else 0
        if score:
            ranked.append((item, round(score, 3)))
    ranked.sort(key=lambda pair: (-pair[1], pair[0].symbol))
    return ranked[:limit]


def movers() -> list[dict]:
    """Every instrument with a quote: change % and volume, for gainers, losers and trending."""
    rows = []
    for quote in Quote.objects.select_related("instrument").filter(instrument__is_active=True):
        change = quote.change_percent
        rows.append(
            {
                "instrument": quote.instrument,
                "quote": quote,
                "change_percent": float(change) if change is not None else 0.0,
                "volume": float(quote.volume or 0),
            }
        )
    return rows


def news_for(*, instrument: Instrument, limit: int = 20) -> QuerySet[NewsItem]:
    return instrument.news.all()[:limit]


def latest_news(*, limit: int = 10) -> list[NewsItem]:
    """The newest stored headlines across instruments, with their sentiment."""
    return list(NewsItem.objects.order_by("-published_at")[:limit])


def news_corpus(owner) -> list[tuple[str, str]]:
    """The stored market news as a corpus for topic modelling (the nlp app's default)."""
    return [
        (str(pk), f"{headline}. {summary}".strip())
        for pk, headline, summary in NewsItem.objects.values_list("id", "headline", "summary")[:5000]
    ]


CLOSES_TTL = 24 * 3600


def close_history(*, instrument: Instrument, start: datetime | None = None) -> list[tuple[datetime, object]]:
    """(time, close) of the instrument's finest stored interval, oldest first. Cached until the
    instrument's bars change (valuations read whole histories, often)."""
    key = f"market:closes:{instrument.pk}:{bars_version(instrument.pk)}:{start.isoformat() if start else '-'}"
    rows = cache.get(key)
    if rows is None:
        interval = native_interval(instrument)
        rows = []
        if interval is not None:
            query = Bar.objects.filter(instrument=instrument, interval=interval)
            if start:
                query = query.filter(time__gte=start)
            rows = list(query.order_by("time").values_list("time", "close"))
        cache.set(key, rows, timeout=CLOSES_TTL)
    return rows


def current_price(instrument: Instrument) -> tuple[object, str] | None:
    """The latest known price and where it came from: the quote, else the last close."""
    return current_prices([instrument]).get(instrument.pk)


def current_prices(instruments) -> dict[int, tuple[object, str]]:
    """Instrument id → (latest price, source) for many instruments in one query (plus one per
    instrument that has bars but no quote yet)."""
    return {pk: (price, source) for pk, (price, source, _) in dated_prices(instruments).items()}


def dated_prices(instruments) -> dict[int, tuple[object, str, datetime]]:
    """Instrument id → (latest price, source, its time): the quote, else the last bar's close."""
    ids = [i.pk for i in instruments]
    found = {
        q.instrument_id: (q.price, q.source, q.time)
        for q in Quote.objects.filter(instrument_id__in=ids).only("instrument_id", "price", "source", "time")
    }
    for instrument in instruments:
        if instrument.pk not in found:
            interval = native_interval(instrument)
            last = last_bars(instrument=instrument, interval=interval, count=1) if interval else []
            if last:
                found[instrument.pk] = (last[-1]["close"], "last close", last[-1]["time"])
    return found


def native_intervals(instruments) -> dict[int, str]:
    """Instrument id → its finest stored interval (as ``native_interval``), in one query."""
    pairs = Bar.objects.filter(instrument__in=[i.pk for i in instruments]).values_list("instrument_id", "interval")
    have: dict[int, set[str]] = {}
    for pk, interval in pairs.distinct():
        have.setdefault(pk, set()).add(interval)
    return {pk: next(i for i in NATIVE_ORDER if i in intervals) for pk, intervals in have.items()}


def risk_measures(
    *, close, benchmark=None, risk_free: float = 0.0, periods: int | None = None, horizon: str | None = None
) -> dict:
    """Volatility, VaR, drawdown, Sharpe, Sortino, beta and correlation of a price-like series (a
    pandas Series), by the definitions in ``engine.risk``; annualised with ``periods`` per year
    (inferred from the bar spacing when not given), stated with the ``horizon`` of one bar."""
    return risk.measure(close, benchmark=benchmark, risk_free=risk_free, periods=periods, horizon_label=horizon)


def asset_types(symbols: list[str]) -> dict[str, str]:
    """Upper-cased symbol → asset type (stock, etf, index, fx, crypto), for those that exist."""
    return {symbol: i.asset_type for symbol, i in known_symbols(symbols).items()}


def periods_per_year(index, *, asset_type: str = "stock") -> int:
    return risk.periods_per_year(index, asset_type=asset_type)


def bar_horizon(index) -> str:
    return risk.horizon(index)
