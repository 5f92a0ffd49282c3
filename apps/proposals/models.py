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
    test_environment = models.JSONField(
        default=dict,
        blank=True,
        help_text="Environment variables the sandbox gives the test command (NAME: value), on top of PATH, "
        "HOME and LANG; nothing else of the platform's environment reaches it.",
    )
    run_hooks = models.BooleanField(
        default=False,
        help_text="Run the repository's pre-commit and commit-msg hooks (in the sandbox) when a proposal is "
        "committed. Off: commits skip every hook.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "repositories"

    def __str__(self) -> str:
        return self.name


class RepositoryMember(models.Model):
    """A person who may read a repository's proposals, runs and findings (reviewers and
    administrators read every repository without being members). ``role`` says how they take
    part: a viewer reads; a maintainer reads and is who repository-aware features work for."""

    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer"
        MAINTAINER = "maintainer", "Maintainer"

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="repository_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["repository", "user"]
        constraints = [models.UniqueConstraint(fields=["repository", "user"], name="repository_member_once")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.repository}"


class AgentRun(models.Model):
    """One run of an agent over a repository (on demand, as a job, or on the beat schedule), with
    its progress log and what it produced."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "On demand"
        SCHEDULE = "schedule", "Beat schedule"

    agent = models.CharField(max_length=10, choices=Agent.choices, db_index=True)
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=8, choices=Trigger.choices, default=Trigger.MANUAL)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    log = models.TextField(blank=True)
    files_scanned = models.PositiveIntegerField(default=0)
    findings = models.PositiveIntegerField(default=0)
    proposals_created = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.agent} run {self.pk} on {self.repository_id} ({self.status})"

    @property
    def seconds(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at and self.started_at else None


class Proposal(models.Model):
    """A change to one file: replace ``code_before`` (empty: a new file) with ``code_after``; a
    multi-file proposal (Conquest's scaffolds) adds new files in ``more_files``."""

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
    more_files = models.JSONField(
        default=list, blank=True, help_text='Further new files of the same change: [{"path", "content"}].'
    )
    description = models.TextField()
    run = models.ForeignKey(AgentRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals")
    risk = models.CharField(max_length=6, choices=Risk.choices, default=Risk.MEDIUM)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    diff = models.TextField(blank=True)
    base_commit = models.CharField(max_length=40, blank=True, help_text="The branch head it was written against.")
    fingerprint = models.CharField(max_length=64, blank=True, help_text="sha256 of the path and both snippets.")
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
    hooks = models.CharField(
        max_length=300, blank=True, help_text="What happened to the repository's git hooks when it was committed."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["repository", "fingerprint"], name="proposal_fingerprint")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.ai_type} {self.file_path} ({self.status})"

    @property
    def title(self) -> str:
        return self.description.strip().split("\n", 1)[0]

    @property
    def paths(self) -> list[str]:
        return [self.file_path, *(f["path"] for f in self.more_files)]


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

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    repository = models.ForeignKey(
        Repository, on_delete=models.CASCADE, null=True, blank=True, related_name="suggestions"
    )
    run = models.ForeignKey(AgentRun, on_delete=models.CASCADE, null=True, blank=True, related_name="suggestions")
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
