from decimal import Decimal

from django import template

from apps.core.templatetags.platform_tags import pct

register = template.Library()


@register.filter
def price(value, places: int = 2):
    """A price for people: thousands separators, 2 decimals (more below 10, as FX needs)."""
    if value in (None, ""):
        return "—"
    number = Decimal(str(value))
    places = 5 if abs(number) < 10 else places
    return f"{number:,.{places}f}"


@register.filter
def percent(value):
    if value in (None, ""):
        return "—"
    return f"{float(value):+.2f}%"


register.filter("pct", pct)
