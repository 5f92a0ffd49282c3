"""``manage.py import_news URL [--symbols GOOG,…]``: news from an RSS/Atom feed, with sentiment."""

from django.core.management.base import BaseCommand, CommandError

from apps.market import news, services


class Command(BaseCommand):
    help = "Import the items of an RSS or Atom feed as market news (de-duplicated by URL, scored for sentiment)."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--symbols", default="", help="Comma-separated symbols to tag every item with.")

    def handle(self, *args, url: str, symbols: str, **options):
        try:
            items = news.parse_feed(news.fetch_feed(url), symbols=[s for s in symbols.upper().split(",") if s])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            raise CommandError(getattr(exc, "detail", str(exc))) from exc
        created = services.add_news(items=items)
        self.stdout.write(self.style.SUCCESS(f"{len(created)} new of {len(items)} items."))
