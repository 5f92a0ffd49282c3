"""The Django admin as the review tool: filters, search, a side-by-side diff, accept/reject (one or
many, with a reason) and apply. Only reviewers decide; every decision is recorded (``Decision``).

Reviewers (the reviewer or admin role) may use these pages without being staff: each admin here
grants their role what it needs (the site lets them in, ``accounts.admin_site``); every other
model admin keeps Django's permissions. Repositories and their members are changed by
administrators only, and a repository's server path is shown to administrators only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from rest_framework.exceptions import APIException

from apps.core.errors import describe

from . import services
from .models import AgentRecord, AgentRun, Decision, Proposal, Repository, RepositoryMember, Suggestion


def _reviewer(request) -> bool:
    return bool(request.user.is_active and getattr(request.user, "is_reviewer", False))


def _administrator(request) -> bool:
    return bool(request.user.is_active and getattr(request.user, "is_administrator", False))


class ReviewerAccess:
    """Reviewers see and use this admin (``can_change``: and change through it); superusers as ever."""

    can_change = False

    def has_module_permission(self, request):
        return _reviewer(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _reviewer(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if self.can_change and _reviewer(request):
            return True
        return super().has_change_permission(request, obj)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RepositoryForm(forms.ModelForm):
    """The same checks as the API: a git working tree's top folder, under the allowed roots, with the branch."""

    class Meta:
        model = Repository
        fields = ["name", "path", "default_branch", "test_command", "test_environment", "run_hooks"]

    def clean(self):
        data = super().clean()
        if data.get("path") and data.get("default_branch"):
            try:
                data["path"] = services.checked_repository_path(data["path"], data["default_branch"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data


class RepositoryMemberInline(admin.TabularInline):
    model = RepositoryMember
    extra = 1
    autocomplete_fields = ["user"]

    def _may(self, request):
        return _administrator(request)

    def has_add_permission(self, request, obj=None):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return _reviewer(request)


@admin.register(Repository)
class RepositoryAdmin(ReviewerAccess, admin.ModelAdmin):
    """Reviewers read repositories (without their server path); administrators register and change
    them, their members, and whether commits run the repository's hooks (in the sandbox)."""

    form = RepositoryForm
    list_display = ("name", "path", "default_branch", "test_command", "run_hooks", "created_at")
    search_fields = ("name",)
    inlines = [RepositoryMemberInline]

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if _administrator(request) else [f for f in shown if f != "path"]

    def get_fields(self, request, obj=None):
        fields = ["name", "path", "default_branch", "test_command", "test_environment", "run_hooks"]
        return fields if _administrator(request) else [f for f in fields if f != "path"]

    def get_search_fields(self, request):
        return ("name", "path") if _administrator(request) else ("name",)

    def has_add_permission(self, request):
        return _administrator(request)

    def has_change_permission(self, request, obj=None):
        return _administrator(request)

    def has_delete_permission(self, request, obj=None):
        return _administrator(request)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Proposal)
class ProposalAdmin(ReviewerAccess, admin.ModelAdmin):
    can_change = True  # the review: read-only fields, decisions through the services
    list_display = (
        "id",
        "ai_type",
        "repository",
        "file_path",
        "risk",
        "status",
        "stale",
        "tests",
        "reviewer",
        "created_at",
    )
    list_filter = ("ai_type", "status", "risk", "repository", "created_at")
    search_fields = ("description", "file_path", "code_after")
    list_select_related = ("repository", "reviewer")
    date_hierarchy = "created_at"
    actions = ["accept_selected", "reject_selected", "apply_selected"]
    readonly_fields = [
        "ai_type",
        "repository",
        "file_path",
        "risk",
        "status",
        "description",
        "side_by_side",
        "reviewer",
        "reason",
        "decided_at",
        "branch",
        "commit",
        "applied_at",
        "apply_error",
        "hooks",
        "test_output",
        "run",
        "base_commit",
        "created_at",
    ]
    fields = readonly_fields
    change_form_template = "admin/proposals/proposal/change_form.html"

    class Media:
        css = {"all": ["vendor/diff2html/diff2html.min.css", "css/proposal-diff.css"]}
        js = ["vendor/diff2html/diff2html-ui.min.js", "js/proposal-diff.js"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changelist_instance(self, request):
        """The page's stale flags worked out together: one head per repository, each file read once."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)  # the page's rows, cached on the queryset the list draws
        stale = services.stale_ids(rows)
        for row in rows:
            row.stale_flag = row.pk in stale
        return changelist

    @admin.display(boolean=True, description="stale")
    def stale(self, obj):
        flag = getattr(obj, "stale_flag", None)
        return services.is_stale(obj) if flag is None else flag

    @admin.display(description="tests")
    def tests(self, obj):
        """The verdict ("passed" only with tests that touch the change), linking to the output."""
        if not obj.test_result:
            return "—"
        url = reverse("admin:proposals_proposal_change", args=[obj.pk]) + "#test-output"
        return format_html('<a href="{}">{}</a>', url, services.verdict_text(obj.test_result))

    @admin.display(description="Test output")
    def test_output(self, obj):
        if not obj.test_result:
            return "Not tested yet (POST /api/v1/proposals/<id>/test/ or the review page runs the tests)."
        r = obj.test_result
        return format_html(
            '<div id="test-output"><p>{} · <code>{}</code> · exit {} · {} s</p><pre>{}</pre></div>',
            services.verdict_text(r),
            r.get("command", ""),
            r.get("exit_code"),
            r.get("seconds"),
            r.get("output", ""),
        )

    @admin.display(description="Change")
    def side_by_side(self, obj):
        return format_html('<div class="proposal-diff" data-diff="{}" data-testid="proposal-diff"></div>', obj.diff)

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name="proposals_proposal_decide",
            ),
            *super().get_urls(),
        ]

    def _decide(self, request, queryset, *, accept: bool, reason: str) -> None:
        done = 0
        for proposal in queryset:
            try:
                services.decide(proposal=proposal, reviewer=request.user, accept=accept, reason=reason)
                done += 1
            except (APIException, ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"#{proposal.pk}: {describe(exc)}", messages.ERROR)
        if done:
            self.message_user(request, f"{'Accepted' if accept else 'Rejected'} {done} proposal(s).", messages.SUCCESS)

    def _reason_page(self, request, queryset, *, accept: bool, action: str):
        form = ReasonForm(request.POST if "reason_given" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._decide(request, queryset, accept=accept, reason=form.cleaned_data["reason"])
            return None
        return render(
            request,
            "admin/proposals/proposal/reason.html",
            {
                **self.admin_site.each_context(request),
                "title": f"{'Accept' if accept else 'Reject'} {queryset.count()} proposal(s)",
                "form": form,
                "proposals": queryset,
                "action": action,
                "accept": accept,
            },
        )

    @admin.action(description="Accept the selected proposals")
    def accept_selected(self, request, queryset):
        return self._reason_page(request, queryset, accept=True, action="accept_selected")

    @admin.action(description="Reject the selected proposals (with a reason)")
    def reject_selected(self, request, queryset):
        return self._reason_page(request, queryset, accept=False, action="reject_selected")

    @admin.action(description="Apply the selected (accepted) proposals to their repositories")
    def apply_selected(self, request, queryset):
        for proposal in queryset:
            try:
                applied = services.apply(proposal=proposal, reviewer=request.user)
                self.message_user(
                    request, f"#{applied.pk} committed {applied.commit[:10]} on {applied.branch}.", messages.SUCCESS
                )
            except (APIException, ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"#{proposal.pk}: {describe(exc)}", messages.ERROR)

    def decide_view(self, request, pk: int, decision: str):
        """The change page's buttons: accept, reject (with the reason typed there) or apply."""
        if not self.has_change_permission(request):
            raise PermissionDenied("Only reviewers and administrators may decide or apply proposals.")
        proposal = Proposal.objects.get(pk=pk)
        if request.method == "POST":
            queryset = Proposal.objects.filter(pk=pk)
            if decision == "apply":
                self.apply_selected(request, queryset)
            else:
                self._decide(request, queryset, accept=decision == "accept", reason=request.POST.get("reason", ""))
        return redirect(reverse("admin:proposals_proposal_change", args=[proposal.pk]))


@admin.register(Decision)
class DecisionAdmin(ReviewerAccess, admin.ModelAdmin):
    list_display = ("at", "proposal", "decision", "reviewer", "agent", "risk", "reason")
    list_filter = ("decision", "agent", "risk")
    readonly_fields = [f.name for f in Decision._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AgentRecord)
class AgentRecordAdmin(ReviewerAccess, admin.ModelAdmin):
    list_display = ("agent", "level", "xp", "accepted", "rejected", "learning_score")
    readonly_fields = ("agent", "level", "xp", "accepted", "rejected", "learning_score")


@admin.register(AgentRun)
class AgentRunAdmin(ReviewerAccess, admin.ModelAdmin):
    list_display = (
        "id",
        "agent",
        "repository",
        "trigger",
        "status",
        "files_scanned",
        "findings",
        "proposals_created",
        "created_at",
    )
    list_filter = ("agent", "status", "trigger", "repository")
    readonly_fields = [f.name for f in AgentRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Suggestion)
class SuggestionAdmin(ReviewerAccess, admin.ModelAdmin):
    list_display = ("id", "rule", "severity", "confidence", "cwe", "file_path", "line", "repository", "proposal")
    list_filter = ("severity", "rule", "repository")
    search_fields = ("file_path", "message", "rule")
    readonly_fields = [f.name for f in Suggestion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
