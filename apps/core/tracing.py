"""Optional error tracking (Sentry) and tracing (OpenTelemetry), both off unless configured.

- ``SENTRY_DSN`` turns on Sentry for Django, Celery, Redis and httpx errors (and a sample of
  transactions, ``SENTRY_TRACES_SAMPLE_RATE``).
- ``OTEL_EXPORTER_OTLP_ENDPOINT`` turns on OpenTelemetry traces over OTLP/HTTP for Django requests,
  Celery tasks, psycopg queries, Redis commands and httpx calls (Claude, market data vendors).

The request id (``X-Request-ID``) is the correlation between the three: it is a tag on the Sentry
event and the attribute ``platform.request_id`` on the request's span, and it is on every log line.
"""

from __future__ import annotations

import logging

from django.conf import settings

logger = logging.getLogger(__name__)

_sentry_on = False
_otel_on = False


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    """Called from settings, before Django loads anything (Sentry's integrations patch early)."""
    global _sentry_on
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.httpx import HttpxIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration(), HttpxIntegration()],
    )
    _sentry_on = True


def init_opentelemetry(*, worker: bool = False) -> None:
    """Install the tracer provider and the instrumentations, once per process."""
    global _otel_on
    if _otel_on or not settings.OTEL_EXPORTER_OTLP_ENDPOINT:
        return
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    endpoint = settings.OTEL_EXPORTER_OTLP_ENDPOINT.rstrip("/")
    provider = TracerProvider(resource=Resource.create({"service.name": settings.OTEL_SERVICE_NAME}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument()
    PsycopgInstrumentor().instrument(skip_dep_check=True)
    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    if worker:
        CeleryInstrumentor().instrument()
    _otel_on = True
    logger.info("OpenTelemetry traces go to %s", endpoint)


def tag_request_id(request_id: str) -> None:
    """Make the request id the correlation of the current Sentry scope and trace span."""
    if _sentry_on:
        import sentry_sdk

        sentry_sdk.set_tag("request_id", request_id)
    if _otel_on:
        from opentelemetry import trace

        trace.get_current_span().set_attribute("platform.request_id", request_id)


def flush() -> None:
    """Send what is buffered (tests; a process about to exit)."""
    if _otel_on:
        from opentelemetry import trace

        trace.get_tracer_provider().force_flush()
    if _sentry_on:
        import sentry_sdk

        sentry_sdk.flush()
