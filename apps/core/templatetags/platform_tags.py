import json
from decimal import Decimal

from django import template
from django.core.serializers.json import DjangoJSONEncoder

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    """Indented JSON for showing results on a page (autoescaped by the template)."""
    return json.dumps(value, indent=2, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)


@register.filter
def bs_widget(field):
    """Render a bound form field's widget with Bootstrap classes (and ``is-invalid`` on error)."""
    input_type = getattr(field.field.widget, "input_type", "")
    css = {"checkbox": "form-check-input", "select": "form-select"}.get(input_type, "form-control")
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if field.errors:
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    return field.as_widget(attrs=attrs)


@register.filter
def pct(value):
    """A fraction as a percentage (0.05 → 5.00%)."""
    if value in (None, ""):
        return "—"
    return f"{float(value) * 100:.2f}%"


@register.filter
def money(value, places: int = 2):
    """An amount for people: thousands separators and 2 decimals (exact: Decimal formatting)."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(str(value)):,.{int(places)}f}"


@register.filter
def qty(value):
    """A quantity without trailing zeros (10, 0.5, 1,250.125)."""
    if value in (None, ""):
        return "—"
    number = Decimal(str(value)).normalize()
    whole = number == number.to_integral_value()
    return f"{number:,.0f}" if whole else f"{number:,f}"


@register.filter
def gain_class(value) -> str:
    """Bootstrap text colour for a gain (green), a loss (red) or nothing."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value))
    return "text-success" if number > 0 else "text-danger" if number < 0 else ""


@register.filter
def drift_class(value) -> str:
    """Colour for a drift from a target: over target and under target, not gain and loss."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value))
    return "drift-over" if number > 0 else "drift-under" if number < 0 else ""


@register.filter
def human_label(value) -> str:
    """A machine name for people: ``sma_cross`` → "SMA cross", ``max_sharpe`` → "Max Sharpe"."""
    if value in (None, ""):
        return ""
    text = str(value)
    known = {
        "sma_cross": "SMA crossover",
        "buy_and_hold": "Buy and hold",
        "rsi_reversion": "RSI mean reversion",
        "max_sharpe": "Maximum Sharpe ratio",
        "min_variance": "Minimum variance",
        "min_volatility": "Minimum volatility",
        "risk_parity": "Risk parity",
        "equal_weight": "Equal weight",
        "style_transfer": "Style transfer",
        "buy_and_sell": "Buy and sell",
        "buy_only": "Buy only",
    }
    if text.lower() in known:
        return known[text.lower()]
    words = text.replace("_", " ").replace("-", " ").split()
    acronyms = {"sma", "ema", "rsi", "macd", "var", "cvar", "ocr", "csv", "api", "id", "url", "nlp", "ner"}
    out = [w.upper() if w.lower() in acronyms else w for w in words]
    if out:
        out[0] = out[0] if out[0].isupper() else out[0][:1].upper() + out[0][1:]
    return " ".join(out)
