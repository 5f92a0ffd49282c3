# The Celery app must be imported when Django starts so that `shared_task` binds to it
# (otherwise tasks would be sent to Celery's default AMQP broker).
from .celery import app as celery_app

__all__ = ("celery_app",)
