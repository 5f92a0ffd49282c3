from django.apps import AppConfig


class NlpConfig(AppConfig):
    """Sentiment, entities, summaries, language, keywords and topics for people, programs and market news."""

    name = "apps.nlp"
    label = "nlp"
    verbose_name = "Text analysis"

    def ready(self) -> None:
        from celery import signals

        signals.worker_process_init.connect(_warm_models, dispatch_uid="nlp.warm.process", weak=False)
        signals.worker_init.connect(_warm_models, dispatch_uid="nlp.warm.main", weak=False)


def _warm_models(**_kwargs) -> None:
    """Load the default models when a worker starts, so the first job does not pay for it."""
    import logging

    from django.conf import settings

    if not settings.NLP_WARM_ON_WORKER_START:
        return
    from . import backends

    try:
        backends.warm()
    except Exception:  # a model that cannot load must not stop the worker; the job will say why
        logging.getLogger(__name__).exception("Could not warm the text-analysis models")
