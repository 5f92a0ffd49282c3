"""Forms of the portfolio pages. They check types and shapes; the services check the rest."""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from apps.core.templatetags.platform_tags import human_label

from .engine import backtest as backtest_engine
from .engine import optimize as optimize_engine
from .models import Order, Portfolio, Transaction


def _money(label: str, required: bool = False, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=24, decimal_places=8, **kwargs)


def _plain(value: Decimal | None) -> str | None:
    """A stored decimal as people write it: ``10``, ``101.5`` (never ``1E+1``)."""
    return None if value is None else format(value.normalize(), "f")


def show_only_when(form: forms.Form, controller: str, rules: dict[str, tuple[str, ...]]) -> None:
    """Mark fields that apply only for some values of ``controller`` (a choice field); the page's
    script hides the others (see ``static/js/app.js``: ``data-applies``). The server still checks."""
    for name, values in rules.items():
        form.fields[name].widget.attrs["data-applies"] = f"{form.add_prefix(controller)}:{' '.join(values)}"


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: on the field it names, else at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class PortfolioForm(forms.Form):
    name = forms.CharField(max_length=100)
    base_currency = forms.RegexField(r"^[A-Za-z]{3}$", initial="USD", label="Currency", max_length=3)
    cost_basis_method = forms.ChoiceField(choices=Portfolio.CostBasis.choices, label="Cost basis")
    benchmark = forms.CharField(max_length=20, required=False, help_text="A symbol to compare with, e.g. GOOG.")


class TransactionForm(forms.Form):
    type = forms.ChoiceField(choices=Transaction.Type.choices)
    trade_date = forms.DateField(label="Date", initial=date.today, widget=forms.DateInput(attrs={"type": "date"}))
    symbol = forms.CharField(max_length=20, required=False, help_text="For buy, sell, dividend and split.")
    quantity = _money("Quantity")
    price = _money("Price")
    fees = _money("Fees", initial=Decimal(0), min_value=Decimal(0))
    amount = _money("Amount", help_text="Cash for deposit, withdrawal, fee and dividend.")
    ratio = forms.DecimalField(max_digits=12, decimal_places=6, required=False, help_text="Split: 2 for 2-for-1.")
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_only_when(
            self,
            "type",
            {
                "symbol": ("buy", "sell", "dividend", "split"),
                "quantity": ("buy", "sell"),
                "price": ("buy", "sell"),
                "amount": ("deposit", "withdrawal", "fee", "dividend"),
                "ratio": ("split",),
            },
        )

    @classmethod
    def initial_from(cls, txn: Transaction) -> dict:
        """The form's values for editing ``txn``."""
        return {
            "type": txn.type,
            "trade_date": txn.trade_date,
            "symbol": txn.instrument.symbol if txn.instrument_id else "",
            "quantity": _plain(txn.quantity),
            "price": _plain(txn.price),
            "fees": _plain(txn.fees),
            "amount": _plain(txn.amount),
            "ratio": _plain(txn.ratio),
            "note": txn.note,
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Broker CSV",
        required=False,
        help_text="Columns: date, type, symbol, quantity, price, fees, amount, currency, ratio, note.",
    )
    # Set by the "import anyway" button: the content hash of a file held back as a repeat.
    pending = forms.RegexField(r"^[0-9a-f]{64}$", required=False, widget=forms.HiddenInput)
    import_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > 20 * 1024 * 1024:
            raise ValidationError("The file is larger than 20 MB.")
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("pending") and "file" not in self.errors:
            self.add_error("file", "Choose a CSV file.")
        return data


class TargetsForm(forms.Form):
    targets = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "GOOG 0.6\nBTCUSD 0.3"}),
        help_text="One “SYMBOL weight” per line (weights 0–1; what is left is cash).",
        required=False,
    )

    def clean_targets(self) -> dict[str, Decimal]:
        result = {}
        for n, line in enumerate(self.cleaned_data["targets"].splitlines(), start=1):
            parts = line.replace(",", " ").replace(":", " ").split()
            if not parts:
                continue
            if len(parts) != 2:
                raise ValidationError(f"Line {n}: write “SYMBOL weight”.")
            try:
                weight = Decimal(parts[1].rstrip("%")) / (100 if parts[1].endswith("%") else 1)
            except ArithmeticError:
                raise ValidationError(f"Line {n}: {parts[1]!r} is not a number.") from None
            if not weight.is_finite():
                raise ValidationError(f"Line {n}: {parts[1]!r} is not a number.")
            result[parts[0].upper()] = weight.quantize(Decimal("0.000001"))
        return result


class RebalanceOptionsForm(forms.Form):
    mode = forms.ChoiceField(choices=[("buy_and_sell", "Buy and sell"), ("buy_only", "Buy only")], required=False)
    fractional = forms.BooleanField(required=False, label="Fractional shares")
    min_trade = _money("Minimum trade", min_value=Decimal(0))


class OrderForm(forms.Form):
    symbol = forms.CharField(max_length=20)
    side = forms.ChoiceField(choices=Order.Side.choices)
    kind = forms.ChoiceField(choices=Order.Kind.choices, label="Type")
    quantity = _money("Quantity", required=True)
    limit_price = _money("Limit price")
    stop_price = _money("Stop price")
    time_in_force = forms.ChoiceField(choices=Order.TimeInForce.choices, label="Time in force")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_only_when(self, "kind", {"limit_price": ("limit", "stop_limit"), "stop_price": ("stop", "stop_limit")})


def _symbols(value: str) -> list[str]:
    return [s.strip().upper() for s in value.replace(",", " ").split() if s.strip()]


class OptimiseForm(forms.Form):
    objective = forms.ChoiceField(choices=[(o, human_label(o)) for o in optimize_engine.OBJECTIVES])
    symbols = forms.CharField(required=False, help_text="Space-separated; empty: the holdings.")
    min_weight = forms.FloatField(min_value=0, max_value=1, initial=0.0, label="Minimum weight")
    max_weight = forms.FloatField(min_value=0, max_value=1, initial=1.0, label="Maximum weight")
    risk_free = forms.FloatField(min_value=-0.1, max_value=0.5, initial=0.0, label="Risk-free rate")
    target_return = forms.FloatField(
        required=False, label="Target return", help_text="For “efficient return”, e.g. 0.12."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_only_when(self, "objective", {"target_return": ("efficient_return",)})

    def clean_symbols(self):
        return _symbols(self.cleaned_data["symbols"])

    def clean(self):
        data = super().clean()
        if (
            data.get("min_weight") is not None
            and data.get("max_weight") is not None
            and data["min_weight"] > data["max_weight"]
        ):
            self.add_error("min_weight", "Must not exceed the maximum weight.")
        return data


class BacktestForm(forms.Form):
    strategy = forms.ChoiceField(choices=[(s, human_label(s)) for s in backtest_engine.STRATEGIES])
    symbols = forms.CharField(required=False, help_text="Space-separated; empty: the holdings.")
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    initial_cash = forms.DecimalField(max_digits=20, decimal_places=2, min_value=Decimal(1), initial=Decimal(10000))
    fast = forms.IntegerField(min_value=2, max_value=400, initial=20, label="Fast SMA")
    slow = forms.IntegerField(min_value=3, max_value=600, initial=50, label="Slow SMA")
    lower = forms.FloatField(min_value=0, max_value=100, initial=30, label="RSI buy below")
    upper = forms.FloatField(min_value=0, max_value=100, initial=70, label="RSI sell above")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_only_when(
            self,
            "strategy",
            {"fast": ("sma_cross",), "slow": ("sma_cross",), "lower": ("rsi_reversion",), "upper": ("rsi_reversion",)},
        )

    def clean_symbols(self):
        return _symbols(self.cleaned_data["symbols"])

    def clean(self):
        data = super().clean()
        if data.get("fast") and data.get("slow") and data["fast"] >= data["slow"]:
            self.add_error("fast", "Must be shorter than the slow average.")
        if data.get("lower") is not None and data.get("upper") is not None and data["lower"] >= data["upper"]:
            self.add_error("lower", "Must be below the sell level.")
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            self.add_error("start", "Must be before the end.")
        return data
