"""``manage.py import_bars FILE --symbol S --interval 1d``: CSV or Parquet bars, all or nothing."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.market import services
from apps.market.models import Bar, Instrument


class Command(BaseCommand):
    help = "Import OHLCV bars from a CSV or Parquet file (columns: time/date, open, high, low, close, volume)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--symbol", required=True)
        parser.add_argument("--interval", default="1d", choices=Bar.Interval.values)
        parser.add_argument("--name", help="Name for a new instrument (default: the symbol).")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--asset-type", default="stock", choices=Instrument.AssetType.values)

    def handle(
        self, *args, file: Path, symbol: str, interval: str, name: str | None, currency: str, asset_type: str, **options
    ):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        instrument, created = Instrument.objects.get_or_create(
            symbol=symbol.upper(),
            defaults={
                "name": name or symbol.upper(),
                "currency": currency.upper(),
                "asset_type": asset_type,
                "data_source": f"imported from {file.name}",
            },
        )
        try:
            count = services.import_bars_file(
                instrument=instrument, interval=interval, filename=file.name, data=file.read_bytes()
            )
        except ValidationError as exc:
            if created:
                instrument.delete()
            raise CommandError(
                "Nothing was imported:\n  " + "\n  ".join(exc.message_dict.get("file", exc.messages))
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Imported {count} {interval} bars for {instrument.symbol}."))
