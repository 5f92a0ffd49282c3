"""Tables of the portfolio app.

Transactions are the source of truth. Tax lots, realised gains, holdings and the cash balance are
derived from them by ``services`` in the same database transaction as every change, so they never
disagree with the transactions; the audit trail is append-only.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

QTY = {"max_digits": 24, "decimal_places": 8}
MONEY = {"max_digits": 24, "decimal_places": 8}


class Portfolio(models.Model):
    """A named book of transactions in one currency, owned by one user."""

    class CostBasis(models.TextChoices):
        FIFO = "fifo", "First in, first out"
        LIFO = "lifo", "Last in, first out"
        SPECIFIC = "specific", "Specific lots"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolios")
    name = models.CharField(max_length=100)
    base_currency = models.CharField(max_length=3, default="USD")
    cost_basis_method = models.CharField(max_length=10, choices=CostBasis.choices, default=CostBasis.FIFO)
    benchmark = models.ForeignKey(
        "market.Instrument", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cash = models.DecimalField(**MONEY, default=Decimal(0))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="portfolio_unique_name_per_owner"),
            models.CheckConstraint(condition=models.Q(cash__gte=0), name="portfolio_cash_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Transaction(models.Model):
    """One entry of the ledger. Trades carry quantity and price; cash movements carry amount;
    a split carries its ratio; a specific-lot sale names its lots in ``lots``."""

    class Type(models.TextChoices):
        BUY = "buy", "Buy"
        SELL = "sell", "Sell"
        DIVIDEND = "dividend", "Dividend"
        DEPOSIT = "deposit", "Deposit"
        WITHDRAWAL = "withdrawal", "Withdrawal"
        FEE = "fee", "Fee"
        SPLIT = "split", "Split"

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="transactions")
    type = models.CharField(max_length=10, choices=Type.choices)
    instrument = models.ForeignKey(
        "market.Instrument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.DecimalField(**QTY, null=True, blank=True)
    price = models.DecimalField(**MONEY, null=True, blank=True)
    fees = models.DecimalField(**MONEY, default=Decimal(0))
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    ratio = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    lots = models.JSONField(null=True, blank=True, help_text="Specific-lot sale: [{lot, quantity}].")
    currency = models.CharField(max_length=3)
    trade_date = models.DateField()
    ex_date = models.DateField(
        null=True, blank=True, help_text="A dividend's ex-dividend date: who held the shares then is paid."
    )
    note = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=20, default="manual", help_text="manual, import or paper.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["trade_date", "id"]
        indexes = [models.Index(fields=["portfolio", "trade_date", "id"], name="txn_ledger_order")]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.type} {self.instrument_id or ''}"

    @property
    def realized_pnl(self) -> Decimal | None:
        """A sale's realised P&L over the lots it consumed (use with ``prefetch_related``)."""
        if self.type != self.Type.SELL:
            return None
        return sum((r.realized_pnl for r in self.realizations.all()), Decimal(0))


class TaxLot(models.Model):
    """Shares bought by one buy (``opened_by``), split-adjusted, and what is left of them."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="lots")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.PROTECT, related_name="+")
    opened_by = models.OneToOneField(Transaction, on_delete=models.CASCADE, related_name="lot")
    opened_on = models.DateField()
    quantity = models.DecimalField(**QTY)
    remaining = models.DecimalField(**QTY)
    cost = models.DecimalField(**MONEY, help_text="Cost of the remaining quantity, fees included.")
    original_cost = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["opened_on", "opened_by_id"]
        constraints = [models.CheckConstraint(condition=models.Q(remaining__gte=0), name="lot_remaining_not_negative")]

    def __str__(self) -> str:
        return f"Lot {self.opened_by_id}: {self.remaining}/{self.quantity}"


class Realization(models.Model):
    """The part of one lot that one sale consumed, with its realised P&L."""

    sale = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="realizations")
    lot = models.ForeignKey(TaxLot, on_delete=models.CASCADE, related_name="realizations")
    quantity = models.DecimalField(**QTY)
    cost = models.DecimalField(**MONEY)
    proceeds = models.DecimalField(**MONEY)
    realized_pnl = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["sale_id", "id"]

    def __str__(self) -> str:
        return f"Sale {self.sale_id} from lot {self.lot_id}: {self.realized_pnl}"


class Holding(models.Model):
    """The current position in one instrument (the sum of its open lots)."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="holdings")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY)
    cost = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["instrument__symbol"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "instrument"], name="holding_unique_instrument"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="holding_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.instrument_id}"


class TargetWeight(models.Model):
    """The share of the portfolio's value one instrument should be, for rebalancing."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="targets")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(max_digits=7, decimal_places=6)

    class Meta:
        ordering = ["instrument__symbol"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "instrument"], name="target_unique_instrument"),
            models.CheckConstraint(condition=models.Q(weight__gte=0, weight__lte=1), name="target_weight_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id}: {self.weight}"


class Order(models.Model):
    """A paper-trading order, filled by the matcher from the market feed's prices."""

    class Side(models.TextChoices):
        BUY = "buy", "Buy"
        SELL = "sell", "Sell"

    class Kind(models.TextChoices):
        MARKET = "market", "Market"
        LIMIT = "limit", "Limit"
        STOP = "stop", "Stop-loss"
        STOP_LIMIT = "stop_limit", "Stop-limit"

    class TimeInForce(models.TextChoices):
        GTC = "gtc", "Good till cancelled"
        DAY = "day", "Day"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FILLED = "filled", "Filled"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        REJECTED = "rejected", "Rejected"

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="orders")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4, choices=Side.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quantity = models.DecimalField(**QTY)
    limit_price = models.DecimalField(**MONEY, null=True, blank=True)
    stop_price = models.DecimalField(**MONEY, null=True, blank=True)
    time_in_force = models.CharField(max_length=3, choices=TimeInForce.choices, default=TimeInForce.GTC)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    triggered = models.BooleanField(default=False, help_text="A stop-limit whose stop was hit.")
    fill_price = models.DecimalField(**MONEY, null=True, blank=True)
    fees = models.DecimalField(**MONEY, null=True, blank=True)
    price_source = models.CharField(max_length=50, blank=True, help_text="Where the fill price came from.")
    transaction = models.OneToOneField(
        Transaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="order"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "instrument"], name="order_open_by_instrument")]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.instrument_id} {self.kind} ({self.status})"


class AuditEntry(models.Model):
    """An append-only record of a change to a portfolio: who, what, and the data before and after."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.SET_NULL, null=True, related_name="audit")
    portfolio_name = models.CharField(max_length=100)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=30)
    object_id = models.CharField(max_length=40, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")
