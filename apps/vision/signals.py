"""A stored file goes when its row goes (also when a job's deletion cascades to it)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import ImageFile


@receiver(post_delete, sender=ImageFile)
def delete_stored_file(sender, instance: ImageFile, **kwargs) -> None:
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
