"""Aggregates that answer the same on every database the platform runs on.

SQLite keeps decimals as floating point, so ``Sum`` over a ``DecimalField`` comes back with float
noise (``0.0114750000000000``) where PostgreSQL answers ``0.011475``. ``DecimalSum`` rounds the
total to the field's decimal places (half-even, as ``Decimal.quantize``), so money reads alike on
both.
"""

from decimal import Decimal

from django.db.models import Sum


class DecimalSum(Sum):
    """``Sum`` of a ``DecimalField``, quantised to the field's ``decimal_places``."""

    def convert_value(self, value, expression, connection):
        if value is None:
            return None
        places = getattr(self.output_field, "decimal_places", None)
        value = value if isinstance(value, Decimal) else Decimal(str(value))
        return value if places is None else value.quantize(Decimal(1).scaleb(-places))
