from django.apps import AppConfig


class VisionConfig(AppConfig):
    """Image enhancement, detection, style transfer and classification, run as jobs on the images queue."""

    name = "apps.vision"
    label = "vision"
    verbose_name = "Images"

    def ready(self) -> None:
        from celery import signals

        from . import signals as file_signals  # noqa: F401 - connects the file clean-up

        signals.worker_process_init.connect(_opencv_threads, dispatch_uid="vision.threads", weak=False)


def _opencv_threads(**_kwargs) -> None:
    """Each prefork worker process runs one job at a time and the pool has one process per core:
    OpenCV's own thread pool inside each would only fight the others for the same cores."""
    import cv2
    from django.conf import settings

    cv2.setNumThreads(settings.VISION_WORKER_OPENCV_THREADS)
