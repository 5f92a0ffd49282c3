"""REST API of the market app (``/api/v1/market/``)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import JobAcceptedSerializer
from apps.core.schema import JSON_LIST

from . import selectors, services
from .engine import indicators as indicator_engine
from .engine.resample import downsample
from .models import Bar, Instrument, NewsItem

RANGES = {"1d": 1, "5d": 5, "1mo": 31, "3mo": 92, "6mo": 183, "1y": 366, "2y": 731, "5y": 1827, "10y": 3653}


class HistoryQuery(serializers.Serializer):
    interval = serializers.ChoiceField(choices=Bar.Interval.values, required=False)
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    range = serializers.ChoiceField(choices=[*RANGES, "max"], required=False)
    max_points = serializers.IntegerField(required=False, min_value=10, max_value=5000)
    indicators = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=300,
        help_text="true: the chart's overlays and panes; all: every indicator; or names, comma-separated.",
    )

    def validate_indicators(self, value: str) -> list[str]:
        text = value.strip().lower()
        if text in ("", "false", "0", "no"):
            return []
        if text in ("true", "1", "yes"):
            return list(indicator_engine.CHART_SERIES)
        if text == "all":
            return list(indicator_engine.ALL_SERIES)
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in indicator_engine.ALL_SERIES]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown indicator(s) {', '.join(unknown)}; "
                f"known: {', '.join(indicator_engine.ALL_SERIES)}, or true, all."
            )
        return names

    def validate(self, attrs):
        if attrs.get("range") and (attrs.get("start") or attrs.get("end")):
            raise serializers.ValidationError({"range": "Give either range or start/end, not both."})
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": "start must be before end."})
        return attrs


def _float_bars(rows: list[dict]) -> list[dict]:
    return [
        {
            "time": r["time"].isoformat(),
            "open": str(r["open"]),
            "high": str(r["high"]),
            "low": str(r["low"]),
            "close": str(r["close"]),
            "volume": str(r["volume"]),
        }
        for r in rows
    ]


def _text(value) -> str | None:
    """Decimals leave as exact strings, never as floats."""
    return None if value is None else str(value)


class QuoteSerializer(serializers.Serializer):
    """A quote (``services.quote_payload``): money as decimal strings; ``price`` null before any bar."""

    symbol = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()
    exchange = serializers.CharField(required=False)
    asset_type = serializers.CharField(required=False)
    price = serializers.CharField(allow_null=True)
    previous_close = serializers.CharField(allow_null=True, required=False)
    change = serializers.CharField(allow_null=True, required=False)
    change_percent = serializers.FloatField(allow_null=True, required=False)
    volume = serializers.CharField(allow_null=True, required=False)
    time = serializers.DateTimeField(required=False)
    source = serializers.CharField(allow_null=True)
    simulated = serializers.BooleanField()


class QuoteApi(APIView):
    """The latest price of an instrument (cached 60 s; "simulated" when the feed simulates it)."""

    @extend_schema(responses={200: QuoteSerializer})
    def get(self, request, symbol: str):
        return Response(services.quote_for_symbol(symbol=symbol))


class HistoryApi(APIView):
    """OHLCV bars: ``interval``, then ``range`` (1d … 10y, max) or ``start``/``end``; ``max_points``
    merges bars to fit; ``indicators=true`` adds chart overlays (moving averages, Bollinger, RSI, MACD),
    ``indicators=all`` every indicator, or name them; each is computed with the bars before the range
    as warm-up, so its first value equals the one computed on the whole history (TA-Lib's values)."""

    @extend_schema(parameters=[HistoryQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, symbol: str):
        instrument = selectors.instrument(symbol=symbol)
        query = HistoryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        interval = params.get("interval") or selectors.native_interval(instrument) or "1d"
        start, end = params.get("start"), params.get("end")
        if params.get("range") and params["range"] != "max":
            last = selectors.last_bars(instrument=instrument, interval=interval, count=1)
            if last:
                end = last[-1]["time"]
                start = end - timedelta(days=RANGES[params["range"]])
        rows = selectors.bars(instrument=instrument, interval=interval, start=start, end=end)
        limit = settings.MARKET_HISTORY_MAX_BARS
        if len(rows) > limit and not params.get("max_points"):
            raise ValidationError(
                {
                    "range": f"The range holds {len(rows):,} {interval} bars; the limit is {limit:,}. "
                    "Narrow it, or pass max_points."
                }
            )
        overlays = (
            services.chart_data(instrument=instrument, interval=interval, rows=rows, names=params["indicators"])
            if params["indicators"]
            else None
        )
        shown = downsample(rows, max_points=params["max_points"]) if params.get("max_points") else rows
        body = {
            "symbol": instrument.symbol,
            "interval": interval,
            "count": len(shown),
            "downsampled": len(shown) < len(rows),
            "source": instrument.data_source,
            "bars": _float_bars(shown),
        }
        if overlays is not None:
            body["indicators"] = overlays
            body["indicator_convention"] = indicator_engine.CONVENTION
        return Response(body)


class FundamentalsApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, symbol: str):
        instrument = selectors.instrument(symbol=symbol)
        data = getattr(instrument, "fundamentals", None)
        if data is None:
            from django.http import Http404

            raise Http404(f"No fundamentals for {instrument.symbol} yet (they come from a configured data provider).")
        return Response(
            {
                "symbol": instrument.symbol,
                "market_cap": _text(data.market_cap),
                "pe_ratio": _text(data.pe_ratio),
                "eps": _text(data.eps),
                "dividend_yield": _text(data.dividend_yield),
                "source": data.source,
                "as_of": data.as_of,
                "data": data.data,
            }
        )


class NewsSerializer(serializers.ModelSerializer):
    symbols = serializers.SerializerMethodField()

    class Meta:
        model = NewsItem
        fields = [
            "id",
            "headline",
            "summary",
            "source",
            "url",
            "published_at",
            "symbols",
            "sentiment_label",
            "sentiment_score",
            "sentiment_model",
            "is_sample",
        ]

    def get_symbols(self, item) -> list[str]:
        return [i.symbol for i in item.instruments.all()]


class NewsApi(APIView):
    @extend_schema(responses=NewsSerializer(many=True))
    def get(self, request, symbol: str):
        instrument = selectors.instrument(symbol=symbol)
        items = selectors.news_for(instrument=instrument).prefetch_related("instruments")
        return Response(NewsSerializer(items, many=True).data)


class AnalysisApi(APIView):
    """Indicators, signals with reasons, trend with confidence, and risk (see README, Market analysis)."""

    @extend_schema(
        parameters=[OpenApiParameter("interval", str, enum=Bar.Interval.values), OpenApiParameter("benchmark", str)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, symbol: str):
        instrument = selectors.instrument(symbol=symbol)
        interval = request.query_params.get("interval")
        if interval is not None and interval not in Bar.Interval.values:
            raise ValidationError({"interval": f"Must be one of {', '.join(Bar.Interval.values)}."})
        benchmark = request.query_params.get("benchmark") or None
        return Response(services.analysis(instrument=instrument, interval=interval, benchmark=benchmark))


class PredictionApi(APIView):
    """Train the direction model for this instrument as a job (walk-forward validated, with baselines)."""

    class PredictionInput(serializers.Serializer):
        horizon = serializers.IntegerField(required=False, min_value=1, max_value=60, default=5)
        interval = serializers.ChoiceField(choices=Bar.Interval.values, required=False)

    @extend_schema(request=PredictionInput, responses={202: JobAcceptedSerializer})
    def post(self, request, symbol: str):
        from django.urls import reverse

        from apps.core import services as core_services
        from apps.core.api import JobOutputSerializer

        instrument = selectors.instrument(symbol=symbol)
        data = self.PredictionInput(data=request.data)
        data.is_valid(raise_exception=True)
        interval = data.validated_data.get("interval") or selectors.native_interval(instrument)
        if interval is None:
            raise ValidationError({"symbol": f"{instrument.symbol} has no price history yet."})
        job = core_services.enqueue_job(
            owner=request.user,
            kind="market.predict",
            params={"symbol": instrument.symbol, "interval": interval, "horizon": data.validated_data["horizon"]},
        )
        job.refresh_from_db()
        url = reverse("api:job-detail", kwargs={"job_id": job.id})
        return Response({"job": JobOutputSerializer(job).data, "url": url}, status=202, headers={"Location": url})


class InstrumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instrument
        fields = ["symbol", "name", "exchange", "currency", "asset_type", "sector"]


class SearchApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("q", str, required=True)], responses={200: JSON_LIST})
    def get(self, request):
        q = request.query_params.get("q", "")
        if not q.strip():
            raise ValidationError({"q": "Type part of a symbol or a name."})
        if len(q) > 100:
            raise ValidationError({"q": "At most 100 characters."})
        return Response([{**InstrumentSerializer(i).data, "score": score} for i, score in selectors.search(query=q)])


class IndicesApi(APIView):
    @extend_schema(responses={200: JSON_LIST})
    def get(self, request):
        indices = selectors.active_instruments().filter(asset_type=Instrument.AssetType.INDEX)
        return Response([services.cached_quote(instrument=i) for i in indices])


def _movers(key, *, reverse: bool, only=None):
    rows = [r for r in selectors.movers() if only is None or only(r)]
    rows.sort(key=key, reverse=reverse)
    return [services.quote_payload(r["instrument"], r["quote"]) for r in rows[:20]]


class GainersApi(APIView):
    @extend_schema(responses={200: JSON_LIST})
    def get(self, request):
        return Response(_movers(lambda r: r["change_percent"], reverse=True, only=lambda r: r["change_percent"] > 0))


class LosersApi(APIView):
    @extend_schema(responses={200: JSON_LIST})
    def get(self, request):
        return Response(_movers(lambda r: r["change_percent"], reverse=False, only=lambda r: r["change_percent"] < 0))


class TrendingApi(APIView):
    """The most active: by the size of the move, then volume."""

    @extend_schema(responses={200: JSON_LIST})
    def get(self, request):
        return Response(_movers(lambda r: (abs(r["change_percent"]), r["volume"]), reverse=True))


class WatchInput(serializers.Serializer):
    symbol = serializers.RegexField(r"^[A-Za-z0-9.^=_-]{1,20}$", max_length=20)


class WatchlistApi(APIView):
    """The caller's watchlist, each instrument with its latest quote; POST {"symbol"} watches one."""

    @extend_schema(responses={200: QuoteSerializer(many=True)})
    def get(self, request):
        return Response([services.cached_quote(instrument=i) for i in selectors.watchlist(user=request.user)])

    @extend_schema(request=WatchInput, responses={201: QuoteSerializer})
    def post(self, request):
        data = WatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            watched = services.watch_instrument(user=request.user, symbol=data.validated_data["symbol"])
        except selectors.UnknownSymbol as exc:
            raise ValidationError({"symbol": f"Unknown symbol {exc.symbol!r}: add the instrument first."}) from exc
        return Response(services.cached_quote(instrument=watched.instrument), status=201)


class WatchlistItemApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, symbol: str):
        if not services.unwatch_instrument(user=request.user, symbol=symbol):
            raise Http404(f"{symbol.upper()} is not on your watchlist.")
        return Response(status=204)
