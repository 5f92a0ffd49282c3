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
