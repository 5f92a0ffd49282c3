"""News from RSS/Atom feeds (feedparser), tagged with the instruments they mention."""

import re
from calendar import timegm
from datetime import UTC, datetime
from html import unescape

import httpx

from apps.core.errors import ServiceUnavailable

from . import selectors

TAGS = re.compile(r"<[^>]+>")


def fetch_feed(url: str, *, timeout: float = 10.0) -> bytes:
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True, headers={"User-Agent": "ai-platform/0.1"})
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(
            f"The feed {url} could not be read: {type(exc).__name__}.", code="feed_unavailable"
        ) from exc
    return response.content


def parse_feed(content: bytes, *, symbols: list[str] | None = None) -> list[dict]:
    """Feed entries as news items; ``symbols`` tags every item, else the instruments each mentions."""
    import feedparser

    parsed = feedparser.parse(content)
    if parsed.bozo and not parsed.entries:
        raise ValueError(f"not an RSS or Atom feed: {parsed.bozo_exception}")
    source = parsed.feed.get("title", "RSS")[:100]
    known = {i.symbol: i.name for i in selectors.active_instruments()}
    items = []
    for entry in parsed.entries:
        link, title = entry.get("link"), unescape(TAGS.sub("", entry.get("title", ""))).strip()
        if not link or not title:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime.fromtimestamp(timegm(stamp), tz=UTC) if stamp else datetime.now(UTC)
        summary = unescape(TAGS.sub("", entry.get("summary", ""))).strip()[:2000]
        text = f"{title} {summary}"
        tagged = symbols or [
            s for s, name in known.items() if re.search(rf"\b{re.escape(s)}\b", text) or name.split()[0] in text
        ]
        items.append(
            {
                "headline": title,
                "summary": summary,
                "url": link,
                "published_at": published,
                "source": source,
                "symbols": tagged,
            }
        )
    return items
