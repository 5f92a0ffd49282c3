"""The Anthropic client every app that talks to Claude shares (text generation, code generation).

The official SDK, configured from settings: key, optional gateway URL, timeout, and retries (the SDK
backs off on 429, 5xx and ``overloaded``). Without a key, a 503 that says how to configure one.
"""

from contextlib import contextmanager

from django.conf import settings

from .errors import ServiceUnavailable
from .metrics import external_call


def client(*, purpose: str = "This feature", code: str = "generation_unavailable"):
    import anthropic

    return anthropic.Anthropic(**_options(purpose=purpose, code=code))


def async_client(*, purpose: str = "This feature", code: str = "generation_unavailable"):
    """The same client for an event loop (an ASGI server streaming an answer)."""
    import anthropic

    return anthropic.AsyncAnthropic(**_options(purpose=purpose, code=code))


def _options(*, purpose: str, code: str) -> dict:
    if not settings.ANTHROPIC_API_KEY:
        raise ServiceUnavailable(f"{purpose} needs Claude: set ANTHROPIC_API_KEY (see README, Settings).", code=code)
    return {
        "api_key": settings.ANTHROPIC_API_KEY,
        "base_url": settings.ANTHROPIC_BASE_URL or None,
        "timeout": settings.ANTHROPIC_TIMEOUT,
        "max_retries": settings.ANTHROPIC_MAX_RETRIES,
    }


@contextmanager
def failures_as_503(*, code: str):
    """The SDK's failures (after its own retries) as a 503 that says what happened."""
    import anthropic

    try:
        with external_call("anthropic"):
            yield
    except anthropic.APIStatusError as exc:
        raise ServiceUnavailable(
            f"Claude could not answer (HTTP {exc.status_code}, after retries); try again later.", code=code
        ) from exc
    except anthropic.APIConnectionError as exc:
        raise ServiceUnavailable("Claude could not be reached; try again later.", code=code) from exc
