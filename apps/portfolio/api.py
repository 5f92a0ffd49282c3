"""REST API of the portfolio app (``/api/v1/portfolio/``): thin views over services and selectors.

Every view under ``portfolios/<id>/`` finds the portfolio through ``selectors.portfolio_of`` with
the requesting user, so another user's portfolio is a 404 everywhere. Money and quantities are
strings of exact decimals; POSTs that move money accept ``Idempotency-Key``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import selectors as core_selectors
from apps.core.api import JobAcceptedSerializer, JobOutputSerializer
from apps.core.idempotency import idempotent
from apps.core.pagination import StandardPagination

from . import read_cache, selectors, services
from .engine import backtest as backtest_engine
from .engine import optimize as optimize_engine
from .models import AuditEntry, Order, Portfolio, Transaction

EIGHT = Decimal("0.00000001")


def plain(value: Any) -> Any:
    """JSON-ready data with every Decimal as an exact string (never a float)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return format(value.quantize(EIGHT).normalize(), "f") if value else "0"
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def money_field(**kwargs):
    return serializers.DecimalField(max_digits=24, decimal_places=8, **kwargs)


# --- portfolios -------------------------------------------------------------------------------


class PortfolioSerializer(serializers.ModelSerializer):
    benchmark = serializers.SerializerMethodField()
    cash = money_field(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Portfolio
        fields = ["id", "name", "base_currency", "cost_basis_method", "benchmark", "cash", "created_at", "url"]

    def get_benchmark(self, obj) -> str | None:
        return obj.benchmark.symbol if obj.benchmark_id else None

    def get_url(self, obj) -> str:
        return reverse("api:portfolio:portfolio", kwargs={"portfolio_id": obj.pk})


class PortfolioInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    base_currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, default="USD")
    cost_basis_method = serializers.ChoiceField(choices=Portfolio.CostBasis.values, required=False, default="fifo")
    benchmark = serializers.CharField(max_length=20, required=False, allow_null=True, allow_blank=True)

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError("Must not be blank.")
        return value


class PortfolioListApi(ListAPIView):
    """Your portfolios; POST ``{name, base_currency, cost_basis_method, benchmark}`` creates one."""

    serializer_class = PortfolioSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Portfolio.objects.none()
        return selectors.portfolios_of(user=self.request.user)

    @extend_schema(request=PortfolioInput, responses={201: PortfolioSerializer})
    def post(self, request):
        data = PortfolioInput(data=request.data)
        data.is_valid(raise_exception=True)
        portfolio = services.create_portfolio(owner=request.user, **data.validated_data)
        body = PortfolioSerializer(portfolio).data
        return Response(body, status=201, headers={"Location": body["url"]})


class PortfolioApi(APIView):
    @extend_schema(responses={200: PortfolioSerializer})
    def get(self, request, portfolio_id: int):
        return Response(PortfolioSerializer(selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)).data)

    @extend_schema(request=PortfolioInput(partial=True), responses={200: PortfolioSerializer})
    def patch(self, request, portfolio_id: int):
        portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
        data = PortfolioInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        portfolio = services.update_portfolio(portfolio=portfolio, actor=request.user, **data.validated_data)
        return Response(PortfolioSerializer(portfolio).data)

    @extend_schema(responses={204: None})
    def delete(self, request, portfolio_id: int):
        portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
        services.delete_portfolio(portfolio=portfolio, actor=request.user)
        return Response(status=204)


class PortfolioScoped(APIView):
    def portfolio(self) -> Portfolio:
        return selectors.portfolio_of(user=self.request.user, portfolio_id=self.kwargs["portfolio_id"])


# --- transactions -----------------------------------------------------------------------------


class LotPick(serializers.Serializer):
    lot = serializers.IntegerField(help_text="The id of the buy that opened the lot.")
    quantity = serializers.DecimalField(max_digits=24, decimal_places=8)


class TransactionInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Transaction.Type.values)
    symbol = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)
    quantity = serializers.DecimalField(max_digits=24, decimal_places=8, required=False, allow_null=True)
    price = serializers.DecimalField(max_digits=24, decimal_places=8, required=False, allow_null=True)
    fees = serializers.DecimalField(max_digits=24, decimal_places=8, required=False, default=Decimal(0))
    amount = serializers.DecimalField(max_digits=24, decimal_places=8, required=False, allow_null=True)
    ratio = serializers.DecimalField(max_digits=12, decimal_places=6, required=False, allow_null=True)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, allow_null=True)
    trade_date = serializers.DateField()
    ex_date = serializers.DateField(
        required=False, allow_null=True, help_text="A dividend's ex-dividend date (a dividend paid after a sale)."
    )
    lots = LotPick(many=True, required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def to_input(self) -> services.TransactionInput:
        d = self.validated_data
        return services.TransactionInput(
            type=d["type"],
            trade_date=d["trade_date"],
            symbol=d.get("symbol") or None,
            quantity=d.get("quantity"),
            price=d.get("price"),
            fees=d.get("fees") if d.get("fees") is not None else Decimal(0),
            amount=d.get("amount"),
            ratio=d.get("ratio"),
            currency=d.get("currency"),
            lots=[{"lot": p["lot"], "quantity": str(p["quantity"])} for p in d["lots"]] if d.get("lots") else None,
            note=d.get("note", ""),
            ex_date=d.get("ex_date"),
        )


def transaction_output(txn: Transaction, *, cash=None) -> dict:
    realizations = list(txn.realizations.all()) if txn.type == Transaction.Type.SELL else []
    body = {
        "id": txn.pk,
        "type": txn.type,
        "symbol": txn.instrument.symbol if txn.instrument_id else None,
        "quantity": txn.quantity,
        "price": txn.price,
        "fees": txn.fees,
        "amount": txn.amount,
        "ratio": txn.ratio,
        "currency": txn.currency,
        "trade_date": txn.trade_date,
        "ex_date": txn.ex_date,
        "note": txn.note,
        "source": txn.source,
        "created_at": txn.created_at.isoformat(),
        "url": reverse(
            "api:portfolio:transaction", kwargs={"portfolio_id": txn.portfolio_id, "transaction_id": txn.pk}
        ),
    }
    if txn.type == Transaction.Type.SELL:
        body["realized_pnl"] = txn.realized_pnl
        body["lots_consumed"] = [
            {
                "lot": r.lot.opened_by_id,
                "opened_on": r.lot.opened_on,
                "quantity": r.quantity,
                "cost": r.cost,
                "proceeds": r.proceeds,
                "realized_pnl": r.realized_pnl,
            }
            for r in realizations
        ]
    if cash is not None:
        body["cash_after"] = cash
    return plain(body)


class TransactionFilter(serializers.Serializer):
    type = serializers.ChoiceField(choices=Transaction.Type.values, required=False)
    symbol = serializers.CharField(max_length=20, required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class TransactionListApi(PortfolioScoped):
    """The ledger, newest first (``type``, ``symbol``, ``start``, ``end`` filter it); POST adds a
    transaction (``Idempotency-Key`` honoured). A sale answers its ``realized_pnl`` and the lots it
    consumed."""

    pagination_class = StandardPagination

    @extend_schema(parameters=[TransactionFilter], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, portfolio_id: int):
        portfolio = self.portfolio()
        query = TransactionFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.transactions_of(portfolio=portfolio, **query.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([transaction_output(t) for t in page])

    @extend_schema(request=TransactionInputSerializer, responses={201: OpenApiTypes.OBJECT})
    @idempotent
    def post(self, request, portfolio_id: int):
        portfolio = self.portfolio()
        data = TransactionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recorded = services.record_transaction(portfolio=portfolio, actor=request.user, data=data.to_input())
        body = transaction_output(recorded.transaction, cash=recorded.ledger.cash)
        return Response(body, status=201, headers={"Location": body["url"]})


class TransactionApi(PortfolioScoped):
    """One transaction. PATCH/PUT edits it and DELETE removes it; lots and P&L are recomputed from
    its date on, and a change that would make a later transaction impossible is refused."""

    def txn(self) -> Transaction:
        return selectors.transaction_of(portfolio=self.portfolio(), transaction_id=self.kwargs["transaction_id"])

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="portfolio_transaction_detail")
    def get(self, request, portfolio_id: int, transaction_id: int):
        return Response(transaction_output(self.txn()))

    @extend_schema(request=TransactionInputSerializer, responses={200: OpenApiTypes.OBJECT})
    def put(self, request, portfolio_id: int, transaction_id: int):
        txn = self.txn()
        data = TransactionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recorded = services.update_transaction(txn=txn, actor=request.user, data=data.to_input())
        return Response(transaction_output(recorded.transaction, cash=recorded.ledger.cash))

    @extend_schema(request=TransactionInputSerializer, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request, portfolio_id: int, transaction_id: int):
        txn = self.txn()
        current = {
            "type": txn.type,
            "symbol": txn.instrument.symbol if txn.instrument_id else None,
            "quantity": txn.quantity,
            "price": txn.price,
            "fees": txn.fees,
            "amount": txn.amount,
            "ratio": txn.ratio,
            "currency": txn.currency,
            "trade_date": txn.trade_date,
            "ex_date": txn.ex_date,
            "lots": txn.lots,
            "note": txn.note,
        }
        merged = {**{k: v for k, v in current.items() if v is not None}, **request.data}
        data = TransactionInputSerializer(data=merged)
        data.is_valid(raise_exception=True)
        recorded = services.update_transaction(txn=txn, actor=request.user, data=data.to_input())
        return Response(transaction_output(recorded.transaction, cash=recorded.ledger.cash))

    @extend_schema(responses={204: None})
    def delete(self, request, portfolio_id: int, transaction_id: int):
        services.delete_transaction(txn=self.txn(), actor=request.user)
        return Response(status=204)


class ImportApi(PortfolioScoped):
    """Import a broker CSV (multipart ``file``): all rows or none, every bad line listed by number.
    Rows equal to transactions already in the ledger are refused (400, ``file``) unless
    ``import_anyway`` is true."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "import_anyway": {"type": "boolean"},
                },
            }
        },
        responses={201: OpenApiTypes.OBJECT},
    )
    @idempotent
    def post(self, request, portfolio_id: int):
        portfolio = self.portfolio()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": "Attach the CSV as the multipart field 'file'."})
        if upload.size > 20 * 1024 * 1024:
            raise ValidationError({"file": "The file is larger than 20 MB."})
        anyway = str(request.data.get("import_anyway", "")).lower() in ("1", "true", "yes", "on")
        count = services.import_transactions(
            portfolio=portfolio, actor=request.user, data=upload.read(), allow_duplicates=anyway
        )
        return Response({"imported": count, "columns": services.CSV_COLUMNS}, status=201)


class ExportApi(PortfolioScoped):
    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, portfolio_id: int):
        portfolio = self.portfolio()
        response = HttpResponse(selectors.export_csv(portfolio=portfolio), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="portfolio-{portfolio.pk}-transactions.csv"'
        return response


# --- reads ------------------------------------------------------------------------------------


class HoldingsApi(PortfolioScoped):
    """Holdings at the latest prices with unrealised P&L per holding and per open lot."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, portfolio_id: int):
        return Response(plain(selectors.holdings_view(portfolio=self.portfolio())))


class RangeQuery(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    benchmark = serializers.CharField(max_length=20, required=False)

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": "start must be on or before end."})
        if attrs.get("end") and attrs["end"] > date.today():
            raise serializers.ValidationError({"end": "end is in the future."})
        return attrs


class RangeReadApi(PortfolioScoped):
    """A read over ``start``–``end`` against a benchmark (``?benchmark=``, else the portfolio's own,
    else the market's default index)."""

    read = None  # the selector: (portfolio, start, end, benchmark) → dict

    @extend_schema(parameters=[RangeQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, portfolio_id: int):
        portfolio = self.portfolio()
        q = RangeQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        benchmark = selectors.resolve_benchmark(portfolio, q.validated_data.get("benchmark"))
        body = self.read(
            portfolio=portfolio,
            start=q.validated_data.get("start"),
            end=q.validated_data.get("end"),
            benchmark=benchmark,
        )
        return Response(plain(body))


class PerformanceApi(RangeReadApi):
    """Daily value, TWR and XIRR over the range, the benchmark's return beside them."""

    read = staticmethod(read_cache.performance)


class AnalyticsApi(RangeReadApi):
    """Volatility, Sharpe, Sortino, drawdown, VaR and beta of the TWR curve, with definitions."""

    read = staticmethod(read_cache.analytics)


class AllocationApi(PortfolioScoped):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, portfolio_id: int):
        return Response(plain(read_cache.allocation(portfolio=self.portfolio())))


class DividendsApi(PortfolioScoped):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, portfolio_id: int):
        return Response(plain(read_cache.dividends_view(portfolio=self.portfolio())))


class RebalanceQuery(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["buy_and_sell", "buy_only"], required=False, default="buy_and_sell")
    fractional = serializers.BooleanField(required=False, default=False)
    min_trade = serializers.DecimalField(
        max_digits=24, decimal_places=8, min_value=Decimal(0), required=False, default=Decimal(0)
    )


class TargetsInput(serializers.Serializer):
    targets = serializers.DictField(
        child=serializers.DecimalField(max_digits=7, decimal_places=6), allow_empty=True, help_text="symbol → weight"
    )


class RebalanceApi(PortfolioScoped):
    """GET: drift from the target weights and the trades that reach them (``mode`` buy_and_sell or
    buy_only, ``fractional``, ``min_trade``). PUT ``{targets: {symbol: weight}}`` sets the targets."""

    @extend_schema(parameters=[RebalanceQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, portfolio_id: int):
        portfolio = self.portfolio()
        q = RebalanceQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        if not portfolio.targets.exists():
            raise ValidationError({"targets": "Set target weights first (PUT {targets: {symbol: weight}})."})
        return Response(plain(selectors.rebalance_plan(portfolio=portfolio, **q.validated_data)))

    @extend_schema(request=TargetsInput, responses={200: OpenApiTypes.OBJECT})
    def put(self, request, portfolio_id: int):
        portfolio = self.portfolio()
        data = TargetsInput(data=request.data)
        data.is_valid(raise_exception=True)
        rows = services.set_targets(portfolio=portfolio, actor=request.user, targets=data.validated_data["targets"])
        return Response(plain({"targets": {t.instrument.symbol: t.weight for t in rows}}))


# --- jobs: optimisation and backtests ---------------------------------------------------------


def _accepted(job) -> Response:
    job.refresh_from_db()
    url = reverse("api:job-detail", kwargs={"job_id": job.id})
    return Response({"job": JobOutputSerializer(job).data, "url": url}, status=202, headers={"Location": url})


def _jobs_of(request, portfolio: Portfolio, kind: str):
    jobs = core_selectors.jobs_of(user=request.user, kind=kind).filter(params__portfolio=portfolio.pk)
    return [JobOutputSerializer(j).data for j in jobs.order_by("-created_at")[:50]]


class OptimizeInput(serializers.Serializer):
    objective = serializers.ChoiceField(choices=optimize_engine.OBJECTIVES, default="max_sharpe")
    symbols = serializers.ListField(child=serializers.CharField(max_length=20), required=False, max_length=50)
    min_weight = serializers.FloatField(min_value=0, max_value=1, default=0.0)
    max_weight = serializers.FloatField(min_value=0, max_value=1, default=1.0)
    risk_free = serializers.FloatField(min_value=-0.1, max_value=0.5, default=0.0)
    target_return = serializers.FloatField(min_value=-1, max_value=10, required=False, allow_null=True)
    start = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs["min_weight"] > attrs["max_weight"]:
            raise serializers.ValidationError({"min_weight": "min_weight must not exceed max_weight."})
        return attrs


class OptimizeApi(PortfolioScoped):
    """POST: mean-variance optimisation as a job (202 + job URL); GET: this portfolio's runs."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, portfolio_id: int):
        return Response({"results": _jobs_of(request, self.portfolio(), "portfolio.optimize")})

    @extend_schema(request=OptimizeInput, responses={202: JobAcceptedSerializer})
    def post(self, request, portfolio_id: int):
        portfolio = self.portfolio()
        data = OptimizeInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.validated_data.items()}
        return _accepted(services.start_optimisation(portfolio=portfolio, actor=request.user, params=params))


class BacktestInput(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=backtest_engine.STRATEGIES)
    symbols = serializers.ListField(child=serializers.CharField(max_length=20), required=False, max_length=20)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    initial_cash = serializers.DecimalField(
        max_digits=20, decimal_places=2, min_value=Decimal(1), default=Decimal(10000)
    )
    fast = serializers.IntegerField(min_value=2, max_value=400, default=20)
    slow = serializers.IntegerField(min_value=3, max_value=600, default=50)
    rsi_period = serializers.IntegerField(min_value=2, max_value=100, default=14)
    lower = serializers.FloatField(min_value=0, max_value=100, default=30)
    upper = serializers.FloatField(min_value=0, max_value=100, default=70)
    slippage_bps = serializers.FloatField(min_value=0, max_value=1000, required=False)
    fee_bps = serializers.FloatField(min_value=0, max_value=1000, required=False)
    fee_fixed = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0), required=False)
    fractional = serializers.BooleanField(default=True)

    def validate(self, attrs):
        if attrs["fast"] >= attrs["slow"]:
            raise serializers.ValidationError({"fast": "The fast average must be shorter than the slow one."})
        if attrs["lower"] >= attrs["upper"]:
            raise serializers.ValidationError({"lower": "lower must be below upper."})
        if attrs.get("start") and attrs.get("end") and attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError({"start": "start must be before end."})
        return attrs


class BacktestApi(PortfolioScoped):
    """POST: a strategy backtest as a job (202 + job URL); GET: this portfolio's backtests."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, portfolio_id: int):
        return Response({"results": _jobs_of(request, self.portfolio(), "portfolio.backtest")})

    @extend_schema(request=BacktestInput, responses={202: JobAcceptedSerializer})
    def post(self, request, portfolio_id: int):
        portfolio = self.portfolio()
        data = BacktestInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = {
            k: (v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else v)
            for k, v in data.validated_data.items()
        }
        return _accepted(services.start_backtest(portfolio=portfolio, actor=request.user, params=params))


# --- paper orders -----------------------------------------------------------------------------


class OrderInputSerializer(serializers.Serializer):
    symbol = serializers.CharField(max_length=20)
    side = serializers.ChoiceField(choices=Order.Side.values)
    type = serializers.ChoiceField(choices=Order.Kind.values, default="market")
    quantity = serializers.DecimalField(max_digits=24, decimal_places=8)
    limit_price = serializers.DecimalField(max_digits=24, decimal_places=8, required=False, allow_null=True)
    stop_price = serializers.DecimalField(max_digits=24, decimal_places=8, required=False, allow_null=True)
    time_in_force = serializers.ChoiceField(choices=Order.TimeInForce.values, default="gtc")


def order_output(order: Order) -> dict:
    return plain(
        {
            "id": order.pk,
            "symbol": order.instrument.symbol,
            "side": order.side,
            "type": order.kind,
            "quantity": order.quantity,
            "limit_price": order.limit_price,
            "stop_price": order.stop_price,
            "time_in_force": order.time_in_force,
            "status": order.status,
            "triggered": order.triggered,
            "fill_price": order.fill_price,
            "fees": order.fees,
            "price_source": order.price_source or None,
            "transaction": order.transaction_id,
            "reason": order.reason,
            "created_at": order.created_at.isoformat(),
            "closed_at": order.closed_at.isoformat() if order.closed_at else None,
        }
    )


class OrderListApi(PortfolioScoped):
    """Paper orders (``?status=``); POST places one (``Idempotency-Key`` honoured). A market order
    fills at once at the latest price; the others wait for the feed's prices."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, portfolio_id: int):
        status = request.query_params.get("status")
        if status and status not in Order.Status.values:
            raise ValidationError({"status": f"Must be one of {', '.join(Order.Status.values)}."})
        rows = selectors.orders_of(portfolio=self.portfolio(), status=status)[:500]
        return Response({"results": [order_output(o) for o in rows]})

    @extend_schema(request=OrderInputSerializer, responses={201: OpenApiTypes.OBJECT})
    @idempotent
    def post(self, request, portfolio_id: int):
        portfolio = self.portfolio()
        data = OrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        order = services.place_order(
            portfolio=portfolio,
            actor=request.user,
            data=services.OrderInput(
                symbol=d["symbol"],
                side=d["side"],
                kind=d["type"],
                quantity=d["quantity"],
                limit_price=d.get("limit_price"),
                stop_price=d.get("stop_price"),
                time_in_force=d["time_in_force"],
            ),
        )
        return Response(order_output(order), status=201)


class OrderApi(PortfolioScoped):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="portfolio_order_detail")
    def get(self, request, portfolio_id: int, order_id: int):
        return Response(order_output(selectors.order_of(portfolio=self.portfolio(), order_id=order_id)))


class CancelOrderApi(PortfolioScoped):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, portfolio_id: int, order_id: int):
        order = selectors.order_of(portfolio=self.portfolio(), order_id=order_id)
        return Response(order_output(services.cancel_order(order=order, actor=request.user)))


class AuditApi(PortfolioScoped):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, portfolio_id: int):
        rows: list[AuditEntry] = list(selectors.audit_of(portfolio=self.portfolio())[:500])
        return Response(
            {
                "results": [
                    {
                        "at": e.at.isoformat(),
                        "actor": e.actor.email if e.actor_id else None,
                        "action": e.action,
                        "object_type": e.object_type,
                        "object_id": e.object_id,
                        "before": e.before,
                        "after": e.after,
                    }
                    for e in rows
                ]
            }
        )
