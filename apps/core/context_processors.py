from django.conf import settings

from .navigation import DOMAINS


def platform(request):
    """What every page needs: the navigation, the version and where WebSockets live."""
    return {
        "nav_domains": DOMAINS,
        "app_version": settings.APP_VERSION,
        "websocket_url": settings.WEBSOCKET_URL,
    }
