"""Job kinds of the nlp app (run by workers on the `ai` queue)."""

from apps.core.jobs import register_job

from . import services

register_job("nlp.batch", queue="ai")(services.run_batch)
register_job("nlp.topics", queue="ai")(services.run_topics)
