from django.apps import AppConfig


class VisionConfig(AppConfig):
    """Image enhancement, detection, style transfer and classification, run as jobs on the images queue."""

    name = "apps.vision"
    label = "vision"
    verbose_name = "Images"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the file clean-up
