"""Writes of the market app: bar imports, quotes, analyses (cached), news with sentiment."""

import csv
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from apps.core.errors import ServiceUnavailable
from apps.nlp import services as nlp_services

from . import selectors
from .engine import indicators, risk, signals
from .models import Bar, Fundamentals, Instrument, NewsItem, Quote, WatchlistItem
from .providers.base import HistoryQuery
from .providers.registry import configured, fetch, fetch_history
from .signals import ticks_recorded

QUOTE_TTL = 60
logger = logging.getLogger(__name__)
ANALYSIS_TTL = 3600
MAX_IMPORT_ERRORS = 20


# --- cache keys -------------------------------------------------------------------------------


def bars_changed(*, instrument: Instrument) -> None:
    """New bars: cached analyses of the instrument are now stale, and so is its cached quote."""
    key = f"market:bars-version:{instrument.pk}"
    cache.add(key, 1, timeout=None)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, timeout=None)
    cache.delete(f"market:quote:{instrument.symbol}")


# --- importing bars ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedBar:
    time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


def _decimal(value: Any, column: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{column} is not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"{column} is not a finite number: {value!r}")
    return number


def _time(value: Any) -> datetime:
    text = str(value).strip()
    parsed = parse_datetime(text)
    if parsed is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(f"time is not a date or date-time: {value!r}")
        parsed = datetime(day.year, day.month, day.day)
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def parse_row(row: dict[str, Any]) -> ParsedBar:
    bar = ParsedBar(
        time=_time(row.get("time")),
        open=_decimal(row.get("open"), "open"),
        high=_decimal(row.get("high"), "high"),
        low=_decimal(row.get("low"), "low"),
        close=_decimal(row.get("close"), "close"),
        volume=_decimal(row.get("volume") if row.get("volume") not in (None, "") else 0, "volume"),
    )
    if min(bar.open, bar.high, bar.low, bar.close) <= 0:
        raise ValueError("prices must be positive")
    if bar.volume < 0:
        raise ValueError("volume must not be negative")
    if bar.high < max(bar.open, bar.close, bar.low) or bar.low > min(bar.open, bar.close):
        raise ValueError(f"high {bar.high} / low {bar.low} do not contain open {bar.open} and close {bar.close}")
    return bar


TIME_COLUMNS = ("time", "date", "datetime", "timestamp", "")


def csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) with lower-case column names; the time column may be unnamed (pandas' index)."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        return
    names = {name: (name or "").strip().lower() for name in reader.fieldnames}
    time_column = next((n for n, low in names.items() if low in TIME_COLUMNS), None)
    for row in reader:
        cleaned = {names[k]: v for k, v in row.items() if k is not None}
        if time_column is not None:
            cleaned["time"] = row[time_column]
        yield reader.line_num, cleaned


def parquet_rows(data: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    import pandas as pd

    frame = pd.read_parquet(io.BytesIO(data))
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    time_column = next((c for c in frame.columns if c in TIME_COLUMNS or c == "index"), None)
    for number, row in enumerate(frame.to_dict("records"), start=1):
        if time_column:
            row["time"] = row[time_column].isoformat() if hasattr(row[time_column], "isoformat") else row[time_column]
        yield number, row


@transaction.atomic
def import_bars(
    *, instrument: Instrument, interval: str, rows: Iterable[tuple[int, dict[str, Any]]], label: str = "row"
) -> int:
    """Insert or update bars; all of them or none. Bad rows are reported with their line numbers
    (``ValidationError`` on ``file``, up to 20 listed). Returns the number of bars written."""
    if interval not in Bar.Interval.values:
        raise ValidationError({"interval": f"Must be one of {', '.join(Bar.Interval.values)}."})
    parsed, errors, seen = [], [], set()
    for number, row in rows:
        try:
            bar = parse_row(row)
            if bar.time in seen:
                raise ValueError(f"a bar for {bar.time.isoformat()} appears twice")
            seen.add(bar.time)
            parsed.append(bar)
        except ValueError as exc:
            errors.append(f"{label} {number}: {exc}")
            if len(errors) >= MAX_IMPORT_ERRORS:
                errors.append("… (stopped after 20 errors)")
                break
    if errors:
        raise ValidationError({"file": errors})
    if not parsed:
        raise ValidationError({"file": ["The file has no bars."]})
    Bar.objects.bulk_create(
        [Bar(instrument=instrument, interval=interval, **bar.__dict__) for bar in parsed],
        update_conflicts=True,
        unique_fields=["instrument", "interval", "time"],
        update_fields=["open", "high", "low", "close", "volume"],
        batch_size=2000,
    )
    refresh_quote_from_bars(instrument=instrument)
    transaction.on_commit(lambda: bars_changed(instrument=instrument))
    return len(parsed)


def import_bars_file(*, instrument: Instrument, interval: str, filename: str, data: bytes) -> int:
    if filename.lower().endswith(".parquet"):
        try:
            rows = list(parquet_rows(data))
        except Exception as exc:  # pyarrow raises many kinds for a broken file
            raise ValidationError({"file": [f"Not a readable Parquet file: {exc}"]}) from exc
        return import_bars(instrument=instrument, interval=interval, rows=rows, label="row")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": [f"The CSV is not UTF-8 (byte {exc.start})."]}) from exc
    return import_bars(instrument=instrument, interval=interval, rows=csv_rows(text), label="line")


def refresh_quote_from_bars(*, instrument: Instrument) -> Quote | None:
    """Set the quote to the last close (labelled "last close") unless a newer live quote exists."""
    interval = selectors.native_interval(instrument)
    if interval is None:
        return None
    last_two = selectors.last_bars(instrument=instrument, interval=interval, count=2)
    last = last_two[-1]
    previous = last_two[0]["close"] if len(last_two) == 2 else None
    quote = Quote.objects.filter(instrument=instrument).first()
    if quote is not None and quote.time >= last["time"]:
        return quote
    quote, _ = Quote.objects.update_or_create(
        instrument=instrument,
        defaults={
            "price": last["close"],
            "previous_close": previous,
            "volume": last["volume"],
            "time": last["time"],
            "source": "last close",
        },
    )
    return quote


def update_history(*, instrument: Instrument, interval: str, start: datetime, end: datetime) -> tuple[str, int]:
    """Fetch bars from the first provider that answers and store them: (provider, bars written)."""
    provider, bars = fetch_history(HistoryQuery(symbol=instrument.symbol, interval=interval, start=start, end=end))
    count = import_bars(
        instrument=instrument,
        interval=interval,
        label=f"{provider} bar",
        rows=((n, bar) for n, bar in enumerate(bars, start=1)),
    )
    Instrument.objects.filter(pk=instrument.pk).update(data_source=provider)
    return provider, count


def _decimal_or_none(value) -> Decimal | None:
    try:
        number = Decimal(value) if value is not None else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def update_fundamentals(*, instrument: Instrument) -> Fundamentals:
    """Fetch the instrument's fundamentals from the first provider that has them and store them."""
    provider, data = fetch("fundamentals", instrument.symbol)
    fundamentals, _ = Fundamentals.objects.update_or_create(
        instrument=instrument,
        defaults={
            "market_cap": _decimal_or_none(data["market_cap"]),
            "pe_ratio": _decimal_or_none(data["pe_ratio"]),
            "eps": _decimal_or_none(data["eps"]),
            "dividend_yield": _decimal_or_none(data["dividend_yield"]),
            "as_of": data["as_of"],
            "data": data["data"],
            "source": provider,
        },
    )
    return fundamentals


def update_news(*, instrument: Instrument) -> list[NewsItem]:
    """Fetch the instrument's news from the first provider that has it; new URLs are stored with
    their sentiment (``add_news``). Returns the items added."""
    _, items = fetch("news", instrument.symbol)
    return add_news(items=[{**item, "symbols": sorted({*item["symbols"], instrument.symbol})} for item in items])


def provider_quote(*, instrument: Instrument) -> dict:
    """The latest quote from the first provider that answers, as a feed tick (not stored)."""
    provider, quote = fetch("quote", instrument.symbol)
    price = float(quote["price"])
    previous = float(quote["previous_close"]) if quote.get("previous_close") else None
    change = price - previous if previous else None
    return {
        "symbol": instrument.symbol,
        "price": price,
        "time": quote["time"].isoformat(),
        "change": None if change is None else round(change, 6),
        "change_percent": None if change is None else round(change / previous * 100, 4),
        "volume": float(quote["volume"]) if quote.get("volume") else None,
        "previous_close": previous,
        "source": provider,
    }


def refresh_market_data(*, kinds: tuple[str, ...] = ("history", "fundamentals", "news")) -> dict[str, int]:
    """Bring every active instrument up to date from the providers (the beat schedule calls this
    when ``MARKET_AUTO_REFRESH`` is on). A provider outage is logged and counted, never raised."""
    counts = {"updated": 0, "failed": 0}
    if not settings.MARKET_AUTO_REFRESH:
        return {**counts, "skipped": 1}
    now = timezone.now()
    for instrument in selectors.active_instruments():
        steps = []
        if "history" in kinds:
            interval = selectors.native_interval(instrument) or "1d"
            last = selectors.last_bars(instrument=instrument, interval=interval, count=1)
            start = last[-1]["time"] if last else now - timedelta(days=365 * 5)
            steps.append(
                lambda i=instrument, iv=interval, st=start: update_history(instrument=i, interval=iv, start=st, end=now)
            )
        if "fundamentals" in kinds and instrument.asset_type in (Instrument.AssetType.STOCK, Instrument.AssetType.ETF):
            steps.append(lambda i=instrument: update_fundamentals(instrument=i))
        if "news" in kinds:
            steps.append(lambda i=instrument: update_news(instrument=i))
        for step in steps:
            try:
                step()
            except (ServiceUnavailable, ValidationError) as exc:
                counts["failed"] += 1
                logger.warning("Refreshing %s failed: %s", instrument.symbol, exc)
            else:
                counts["updated"] += 1
    return counts


# --- quotes -----------------------------------------------------------------------------------


def quote_payload(instrument: Instrument, quote: Quote | None) -> dict:
    if quote is None:
        return {
            "symbol": instrument.symbol,
            "name": instrument.name,
            "currency": instrument.currency,
            "price": None,
            "source": None,
            "simulated": False,
        }
    change, pct = quote.change, quote.change_percent
    return {
        "symbol": instrument.symbol,
        "name": instrument.name,
        "currency": instrument.currency,
        "exchange": instrument.exchange,
        "asset_type": instrument.asset_type,
        "price": str(quote.price),
        "previous_close": None if quote.previous_close is None else str(quote.previous_close),
        "change": None if change is None else str(round(change, 8)),
        "change_percent": None if pct is None else round(float(pct), 4),
        "volume": None if quote.volume is None else str(quote.volume),
        "time": quote.time.isoformat(),
        "source": quote.source,
        "simulated": quote.source == "simulated",
    }


def quote_for_symbol(*, symbol: str) -> dict:
    """The quote of ``symbol`` straight from the cache when it is there (no database query: the hot
    path of ``GET stocks/<symbol>``), else through the instrument (404 for an unknown symbol)."""
    payload = cache.get(f"market:quote:{symbol.strip().upper()}")
    if payload is not None:
        return payload
    return cached_quote(instrument=selectors.instrument(symbol=symbol))


def cached_quote(*, instrument: Instrument) -> dict:
    """The quote (cached for 60 s; dropped when new bars arrive or a tick updates it)."""
    key = f"market:quote:{instrument.symbol}"
    payload = cache.get(key)
    if payload is None:
        payload = quote_payload(instrument, selectors.quote_of(instrument))
        cache.set(key, payload, timeout=QUOTE_TTL)
    return payload


def record_ticks(*, ticks: list[dict]) -> None:
    """Store the latest simulated/provider prices: one quote row per instrument, cache refreshed;
    then send ``signals.ticks_recorded`` once committed."""
    by_symbol = selectors.known_symbols([t["symbol"] for t in ticks])
    stored = []
    for tick in ticks:
        instrument = by_symbol.get(tick["symbol"].upper())
        if instrument is None:
            continue
        quote, _ = Quote.objects.update_or_create(
            instrument=instrument,
            defaults={
                "price": Decimal(str(tick["price"])),
                "time": tick["time"],
                "source": tick["source"],
                **({"previous_close": Decimal(str(tick["previous_close"]))} if tick.get("previous_close") else {}),
            },
        )
        cache.set(f"market:quote:{instrument.symbol}", quote_payload(instrument, quote), timeout=QUOTE_TTL)
        stored.append({"symbol": instrument.symbol, "price": quote.price, "time": quote.time, "source": quote.source})
    if stored:
        # Listeners (paper-order matching) run after the quotes are committed; one failing
        # listener must not stop the feed.
        transaction.on_commit(lambda: ticks_recorded.send_robust(sender=Quote, ticks=stored))


# --- analysis ---------------------------------------------------------------------------------


def analysis(*, instrument: Instrument, interval: str | None = None, benchmark: str | None = None) -> dict:
    """Indicators, signals, trend and risk on the instrument's bars (cached until new bars arrive).
    Beta and correlation are against ``benchmark``, else the default index (``MARKET_DEFAULT_BENCHMARK``)."""
    if benchmark is None:
        default = selectors.default_benchmark()
        if default is not None and default.pk != instrument.pk:
            benchmark = default.symbol
    interval = interval or selectors.native_interval(instrument)
    if interval is None:
        raise ValidationError({"symbol": f"{instrument.symbol} has no price history yet."})
    key = f"market:analysis:{instrument.pk}:{interval}:{benchmark or '-'}:{selectors.bars_version(instrument.pk)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = selectors.bars(instrument=instrument, interval=interval)
    if len(rows) < 30:
        raise ValidationError(
            {"interval": f"Analysis needs at least 30 {interval} bars; {instrument.symbol} has {len(rows)}."}
        )
    df = indicators.frame(rows)
    ind = indicators.compute(df, intraday=interval in Bar.INTRADAY)
    bench_close = None
    if benchmark:
        bench = selectors.instrument(symbol=benchmark)
        bench_close = indicators.frame(selectors.bars(instrument=bench, interval=interval))["close"]
    periods = risk.periods_per_year(df.index, asset_type=instrument.asset_type)
    result = {
        "symbol": instrument.symbol,
        "interval": interval,
        "benchmark": benchmark.upper() if benchmark else None,
        "bars": len(rows),
        "as_of": df.index[-1].isoformat(),
        "close": round(float(df["close"].iloc[-1]), 6),
        "periods_per_year": periods,
        "horizon": risk.horizon(df.index),
        "indicators": indicators.last_values(ind),
        **signals.detect(df, ind),
        "risk": risk.measure(
            df["close"], benchmark=bench_close if interval not in Bar.INTRADAY else None, periods=periods
        ),
    }
    cache.set(key, result, timeout=ANALYSIS_TTL)
    return result


def chart_data(*, instrument: Instrument, interval: str, rows: list[dict], names: list[str] | None = None) -> dict:
    """Overlays and panes for the chart (moving averages, Bollinger, RSI, MACD) over ``rows``,
    computed on up to ``indicators.WARMUP_BARS`` earlier bars too, so that each value equals the one
    computed on the whole history, from the window's first bar on."""
    if not rows:
        return {}
    warmup = selectors.bars_before(
        instrument=instrument, interval=interval, before=rows[0]["time"], count=indicators.WARMUP_BARS
    )
    ind = indicators.compute(indicators.frame(warmup + rows), intraday=interval in Bar.INTRADAY)
    since = ind.index[len(warmup)]
    return indicators.series(ind, names or indicators.CHART_SERIES, since=since)


# --- news -------------------------------------------------------------------------------------


@transaction.atomic
def add_news(*, items: list[dict]) -> list[NewsItem]:
    """Store news (de-duplicated by URL), each scored for sentiment by the nlp app."""
    fresh = [i for i in items if not NewsItem.objects.filter(url=i["url"]).exists()]
    scores = nlp_services.score_news(texts=[f"{i['headline']}. {i.get('summary', '')}".strip() for i in fresh])
    created = []
    for item, score in zip(fresh, scores, strict=True):
        news = NewsItem.objects.create(
            headline=item["headline"][:500],
            summary=item.get("summary", ""),
            source=item["source"][:100],
            url=item["url"],
            published_at=item["published_at"],
            is_sample=item.get("is_sample", False),
            sentiment_label=score["label"],
            sentiment_score=score["score"],
            sentiment_model=f"{score['backend']}:{score['model']}"[:100],
        )
        news.instruments.set(selectors.known_symbols(item.get("symbols", [])).values())
        created.append(news)
    return created


# --- watchlist --------------------------------------------------------------------------------


def watch_instrument(*, user, symbol: str) -> WatchlistItem:
    """Add the instrument to the user's watchlist (again is fine). Unknown symbol: 404 (UnknownSymbol)."""
    item = selectors.instrument(symbol=symbol)
    watched, _ = WatchlistItem.objects.get_or_create(user=user, instrument=item)
    return watched


def unwatch_instrument(*, user, symbol: str) -> bool:
    """Remove the instrument from the user's watchlist; False when it was not watched."""
    item = selectors.instrument(symbol=symbol)
    deleted, _ = WatchlistItem.objects.filter(user=user, instrument=item).delete()
    return deleted > 0


# --- adding an instrument ---------------------------------------------------------------------

ADD_HISTORY_DAYS = 5 * 366


def add_instrument(
    *,
    symbol: str,
    name: str = "",
    asset_type: str = Instrument.AssetType.STOCK,
    interval: str = "1d",
    filename: str | None = None,
    data: bytes | None = None,
) -> Instrument:
    """Create an instrument with its bars: from the uploaded file (CSV or Parquet, through
    ``import_bars``: bad rows listed, nothing stored) or, without a file, from the configured data
    providers (history, then fundamentals when one has them). All or nothing: no bars, no instrument.
    ``ValidationError`` for a taken symbol or bad rows; ``ServiceUnavailable`` when no provider is
    configured or none answers."""
    symbol = symbol.strip().upper()
    if Instrument.objects.filter(symbol__iexact=symbol).exists():
        raise ValidationError({"symbol": f"{symbol} already exists."})
    if asset_type not in Instrument.AssetType.values:
        raise ValidationError({"asset_type": f"Must be one of {', '.join(Instrument.AssetType.values)}."})
    provider = None
    if data is None:
        end = timezone.now()
        provider, bars = fetch_history(
            HistoryQuery(symbol=symbol, interval=interval, start=end - timedelta(days=ADD_HISTORY_DAYS), end=end)
        )
    with transaction.atomic():
        instrument = Instrument.objects.create(
            symbol=symbol,
            name=name.strip() or symbol,
            asset_type=asset_type,
            data_source=provider or "uploaded file",
        )
        if data is None:
            rows = ((n, bar) for n, bar in enumerate(bars, start=1))
            import_bars(instrument=instrument, interval=interval, rows=rows, label=f"{provider} bar")
        else:
            import_bars_file(instrument=instrument, interval=interval, filename=filename or "bars.csv", data=data)
    if provider is not None:
        try:
            update_fundamentals(instrument=instrument)
        except (ServiceUnavailable, KeyError) as exc:  # fundamentals are optional for a new instrument
            logger.info("No fundamentals for %s: %s", symbol, exc)
    return instrument


def providers_configured() -> bool:
    return bool(configured())
