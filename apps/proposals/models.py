"""Tables of the proposals app: registered repositories, AI-written change proposals, the decisions
people made on them, and each agent's record."""

from django.conf import settings
from django.db import models


class Agent(models.TextChoices):
    IMPERIUM = "imperium", "Imperium (optimisation)"
    GUARDIAN = "guardian", "Guardian (security)"
    SANDBOX = "sandbox", "Sandbox (experiments and tests)"
    CONQUEST = "conquest", "Conquest (new apps and features)"


class Repository(models.Model):
    """A local git repository proposals are written against (never its checked-out tree)."""

    name = models.CharField(max_length=100, unique=True)
    path = models.CharField(max_length=500)
    default_branch = models.CharField(max_length=100, default="main")
    test_command = models.CharField(max_length=500, blank=True, help_text="Run by the sandbox in a worktree.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "repositories"

    def __str__(self) -> str:
        return self.name


class Proposal(models.Model):
    """A change to one file: replace ``code_before`` (empty: a new file) with ``code_after``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        APPLIED = "applied", "Applied"
        APPLY_FAILED = "apply_failed", "Apply failed"

    class Risk(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    ai_type = models.CharField(max_length=10, choices=Agent.choices)
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="proposals")
    file_path = models.CharField(max_length=300)
    code_before = models.TextField(blank=True)
    code_after = models.TextField()
    description = models.TextField()
    risk = models.CharField(max_length=6, choices=Risk.choices, default=Risk.MEDIUM)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    diff = models.TextField(blank=True)
    base_commit = models.CharField(max_length=40, blank=True, help_text="The branch head it was written against.")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    branch = models.CharField(max_length=150, blank=True)
    commit = models.CharField(max_length=40, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    apply_error = models.TextField(blank=True)
    test_result = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.ai_type} {self.file_path} ({self.status})"


class Decision(models.Model):
    """A reviewer's decision on a proposal, with its reason: the audit trail and what agents learn from."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decision = models.CharField(max_length=10)
    reason = models.TextField(blank=True)
    agent = models.CharField(max_length=10, choices=Agent.choices)
    risk = models.CharField(max_length=6)
    file_type = models.CharField(max_length=20)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.decision} #{self.proposal_id}"


class AgentRecord(models.Model):
    """An agent's standing, updated by every decision (rules in ``engine.learning``)."""

    agent = models.CharField(max_length=10, choices=Agent.choices, unique=True)
    xp = models.PositiveIntegerField(default=0)
    level = models.PositiveIntegerField(default=1)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    learning_score = models.FloatField(default=0.5)

    def __str__(self) -> str:
        return f"{self.agent} level {self.level}"

    @property
    def success_rate(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


class Suggestion(models.Model):
    """A Guardian finding on analysed code; one with a mechanical fix can be approved into a proposal."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_path = models.CharField(max_length=300)
    rule = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    severity = models.CharField(max_length=6)
    confidence = models.CharField(max_length=6)
    cwe = models.PositiveIntegerField(null=True, blank=True)
    line = models.PositiveIntegerField()
    message = models.CharField(max_length=500)
    code_before = models.TextField(blank=True)
    code_after = models.TextField(blank=True)
    proposal = models.ForeignKey(Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["file_path", "line", "rule"]

    def __str__(self) -> str:
        return f"{self.rule} {self.file_path}:{self.line}"
