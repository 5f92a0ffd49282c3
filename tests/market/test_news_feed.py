import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.market.models import NewsItem
from tests.fakes.http_server import FakeVendor

pytestmark = pytest.mark.django_db

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Markets Wire</title><link>https://wire.example/</link>
<item><title>Google shares soar after record profit</title><link>https://wire.example/1</link>
<description>&lt;p&gt;GOOG beat estimates.&lt;/p&gt;</description>
<pubDate>Wed, 23 Jan 2013 21:00:00 GMT</pubDate></item>
<item><title>Oil prices plunge as supply jumps</title><link>https://wire.example/2</link>
<pubDate>Thu, 24 Jan 2013 10:00:00 GMT</pubDate></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>
<entry><title>Euro slides after weak data</title><link href="https://atom.example/a"/><updated>2018-02-06T09:00:00Z</updated>
<summary>EURUSD fell.</summary></entry></feed>"""


@pytest.fixture
def feeds():
    fake = FakeVendor()
    yield fake
    fake.close()


def test_rss_and_atom_items_with_sentiment_and_symbols(feeds, goog, eurusd, capsys):
    feeds.answer("/rss", 200, RSS)
    feeds.answer("/rss", 200, RSS)
    feeds.answer("/atom", 200, ATOM)
    call_command("import_news", f"{feeds.url}/rss")
    call_command("import_news", f"{feeds.url}/rss")  # the same items again: nothing new
    call_command("import_news", f"{feeds.url}/atom")
    out = capsys.readouterr().out
    assert "2 new of 2 items" in out and "0 new of 2 items" in out
    soar = NewsItem.objects.get(url="https://wire.example/1")
    assert (soar.source, soar.summary, soar.sentiment_label) == ("Markets Wire", "GOOG beat estimates.", "positive")
    assert [i.symbol for i in soar.instruments.all()] == ["GOOG"]
    assert NewsItem.objects.get(url="https://wire.example/2").sentiment_label == "negative"
    assert [i.symbol for i in NewsItem.objects.get(url="https://atom.example/a").instruments.all()] == ["EURUSD"]


def test_bad_feeds_are_clear_errors(feeds):
    feeds.answer("/bad", 200, b"this is not a feed")
    with pytest.raises(CommandError, match="not an RSS or Atom feed"):
        call_command("import_news", f"{feeds.url}/bad")
    with pytest.raises(CommandError, match="could not be read"):
        call_command("import_news", f"{feeds.url}/missing")
    assert not NewsItem.objects.exists()
