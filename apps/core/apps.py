from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    """Shared plumbing: health, request ids, JSON logs, errors, throttles, jobs, idempotency."""

    name = "apps.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from . import metrics, tracing
        from .logging import install_request_id_record_factory

        install_request_id_record_factory()
        metrics.install()
        tracing.init_opentelemetry()
        # Each app registers the job kinds it runs in its own `jobs` module.
        autodiscover_modules("jobs")
