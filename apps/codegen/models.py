"""Tables of the codegen app: the template library (versioned) and every generation with its usage."""

from decimal import Decimal

from django.conf import settings
from django.db import models


class CodeTemplate(models.Model):
    """A parameterised starting point (Django template syntax over declared parameters) that renders
    offline and can seed a generation. Each change is kept as a ``TemplateRevision``."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=20)
    parameters = models.JSONField(
        default=list, blank=True, help_text='[{"name", "type", "required", "default", "choices"}]'
    )
    body = models.TextField()
    version = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language", "name"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class TemplateRevision(models.Model):
    """A past version of a template, kept when it changes."""

    template = models.ForeignKey(CodeTemplate, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    body = models.TextField()
    parameters = models.JSONField(default=list)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["template", "version"], name="template_revision_unique")]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.version}"


class Generation(models.Model):
    """One request to Claude: what was asked, what came back, whether it parsed, and what it cost."""

    class Kind(models.TextChoices):
        CODE = "code", "Generate"
        IMPROVE = "improve", "Improve"
        EXPLAIN = "explain", "Explain"
        PROJECT = "project", "Project"

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUCCEEDED)
    language = models.CharField(max_length=20)
    prompt = models.TextField(blank=True)
    goal = models.CharField(max_length=20, blank=True)
    template = models.ForeignKey(CodeTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    template_version = models.PositiveIntegerField(null=True, blank=True)
    input_code = models.TextField(blank=True)
    output = models.TextField(blank=True, help_text="The model's whole answer.")
    code = models.TextField(blank=True)
    explanation = models.TextField(blank=True)
    diff = models.TextField(blank=True)
    syntax = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    model = models.CharField(max_length=100, blank=True)
    stop_reason = models.CharField(max_length=30, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    cache_read_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal(0), help_text="US dollars.")
    duration_ms = models.PositiveIntegerField(default=0)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        help_text="The earlier turn this generation continues.",
    )
    conversation = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="turns",
        help_text="The first turn of the conversation (empty on a first turn).",
    )
    context_paths = models.JSONField(default=list, blank=True, help_text="Paths of the context files sent.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "created_at"], name="generation_owner_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.language} by {self.owner_id}"

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_write_tokens + self.cache_read_tokens


class ProjectFile(models.Model):
    """One file of a generated project (its path checked before it was stored)."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=200)
    content = models.TextField()
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["generation", "path"], name="project_file_unique_path")]

    def __str__(self) -> str:
        return self.path
