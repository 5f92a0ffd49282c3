"""Tables of the vision app: the image files a person uploaded or a job produced."""

import uuid

from django.conf import settings
from django.db import models


def _path(instance: "ImageFile", filename: str) -> str:
    return f"vision/{instance.owner_id}/{instance.id}/{filename}"


class ImageFile(models.Model):
    """An input (orientation applied, metadata stripped), a style image, or an output of a job,
    kept in Django's storage. Deleting the row deletes the file; deleting the job deletes its files."""

    class Role(models.TextChoices):
        INPUT = "input", "Input"
        STYLE = "style", "Style"
        OUTPUT = "output", "Output"
        ARCHIVE = "archive", "Archive"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="image_files")
    job = models.ForeignKey("core.Job", on_delete=models.CASCADE, null=True, blank=True, related_name="image_files")
    role = models.CharField(max_length=10, choices=Role.choices)
    file = models.FileField(upload_to=_path, max_length=300)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "created_at"], name="imagefile_owner_recent")]

    def __str__(self) -> str:
        return f"{self.role} {self.name}"
