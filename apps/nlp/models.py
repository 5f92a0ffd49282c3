from django.conf import settings
from django.db import models


class Analysis(models.Model):
    """One text analysis a user asked for: its input, the answer and which backend gave it.

    ``input_hash`` covers the kind, the options and the text; with ``backend`` and ``model`` it is
    the key under which identical requests are answered from the cache (``cached`` marks those).
    """

    class Kind(models.TextChoices):
        SENTIMENT = "sentiment", "Sentiment"
        ENTITIES = "entities", "Entities"
        SUMMARIZE = "summarize", "Summary"
        LANGUAGE = "language", "Language"
        KEYWORDS = "keywords", "Keywords"
        GENERATE = "generate", "Generated text"
        PAGE = "page", "Full analysis"  # one Analyse on the page: every kind's answer in one row

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analyses")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField()
    input_hash = models.CharField(max_length=64)
    options = models.JSONField(default=dict, blank=True)
    result = models.JSONField()
    backend = models.CharField(max_length=32)
    model = models.CharField(max_length=255)
    cached = models.BooleanField(default=False)
    duration_ms = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "analyses"
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="analysis_owner_recent"),
            models.Index(fields=["owner", "kind", "-created_at"], name="analysis_owner_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.owner_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def preview(self) -> str:
        return self.text if len(self.text) <= 120 else f"{self.text[:117]}…"
