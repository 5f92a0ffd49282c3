from django.conf import settings
from django.db import models


class Instrument(models.Model):
    """Something with a price: a stock, ETF, index, currency pair or crypto asset."""

    class AssetType(models.TextChoices):
        STOCK = "stock", "Stock"
        ETF = "etf", "ETF"
        INDEX = "index", "Index"
        FX = "fx", "Currency pair"
        CRYPTO = "crypto", "Crypto"

    symbol = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    exchange = models.CharField(max_length=50, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    asset_type = models.CharField(max_length=10, choices=AssetType.choices, default=AssetType.STOCK)
    sector = models.CharField(max_length=100, blank=True)
    data_source = models.CharField(max_length=200, blank=True, help_text="Where its prices come from.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return f"{self.symbol} ({self.name})"


class Bar(models.Model):
    """One OHLCV bar. Unique per instrument, interval and start time; the unique index also serves
    range reads (instrument, interval, time between …)."""

    class Interval(models.TextChoices):
        MINUTE = "1m", "1 minute"
        FIVE_MINUTES = "5m", "5 minutes"
        FIFTEEN_MINUTES = "15m", "15 minutes"
        HOUR = "1h", "1 hour"
        DAY = "1d", "1 day"
        WEEK = "1wk", "1 week"
        MONTH = "1mo", "1 month"

    INTRADAY = {"1m", "5m", "15m", "1h"}

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="bars")
    interval = models.CharField(max_length=4, choices=Interval.choices)
    time = models.DateTimeField()
    open = models.DecimalField(max_digits=20, decimal_places=8)
    high = models.DecimalField(max_digits=20, decimal_places=8)
    low = models.DecimalField(max_digits=20, decimal_places=8)
    close = models.DecimalField(max_digits=20, decimal_places=8)
    volume = models.DecimalField(max_digits=24, decimal_places=8, default=0)

    class Meta:
        ordering = ["instrument", "interval", "time"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "interval", "time"], name="bar_unique_time"),
            models.CheckConstraint(condition=models.Q(high__gte=models.F("low")), name="bar_high_ge_low"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.interval} {self.time:%Y-%m-%d %H:%M} {self.close}"


class Quote(models.Model):
    """The latest price of an instrument; ``source`` says where it came from ("simulated" included)."""

    instrument = models.OneToOneField(Instrument, on_delete=models.CASCADE, related_name="quote")
    price = models.DecimalField(max_digits=20, decimal_places=8)
    previous_close = models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True)
    volume = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True)
    time = models.DateTimeField()
    source = models.CharField(max_length=50)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.price} ({self.source})"

    @property
    def change(self):
        return None if self.previous_close is None else self.price - self.previous_close

    @property
    def change_percent(self):
        if not self.previous_close:
            return None
        return (self.price - self.previous_close) / self.previous_close * 100


class Fundamentals(models.Model):
    """Company figures from a provider (market cap, P/E, …); ``data`` keeps the rest as given."""

    instrument = models.OneToOneField(Instrument, on_delete=models.CASCADE, related_name="fundamentals")
    market_cap = models.DecimalField(max_digits=24, decimal_places=2, null=True, blank=True)
    pe_ratio = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    eps = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    dividend_yield = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=50)
    as_of = models.DateField()

    class Meta:
        verbose_name = "fundamentals"
        verbose_name_plural = "fundamentals"

    def __str__(self) -> str:
        return f"Fundamentals of {self.instrument_id} as of {self.as_of}"


class NewsItem(models.Model):
    """A news story about one or more instruments, with its sentiment from the nlp app."""

    headline = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    source = models.CharField(max_length=100)
    url = models.URLField(max_length=1000, unique=True)
    published_at = models.DateTimeField(db_index=True)
    instruments = models.ManyToManyField(Instrument, related_name="news", blank=True)
    sentiment_label = models.CharField(max_length=10, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)
    sentiment_model = models.CharField(max_length=100, blank=True)
    is_sample = models.BooleanField(default=False, help_text="Demo headline, not real news.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.headline


class WatchlistItem(models.Model):
    """An instrument a user follows: shown with its live price on the personal dashboard."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist")
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="watchers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instrument__symbol"]
        constraints = [models.UniqueConstraint(fields=["user", "instrument"], name="watchlist_unique_instrument")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.instrument_id}"
