"""Codegen admin: the template library (each saved change becomes a revision) and the history."""

from django import forms
from django.contrib import admin

from . import services
from .engine import templating
from .models import CodeTemplate, Generation, TemplateRevision


class RevisionInline(admin.TabularInline):
    model = TemplateRevision
    fields = ("version", "changed_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CodeTemplateForm(forms.ModelForm):
    class Meta:
        model = CodeTemplate
        fields = ["slug", "name", "description", "language", "parameters", "body", "is_active"]

    def clean_body(self):
        body = self.cleaned_data["body"]
        error = templating.check_body(body)
        if error:
            raise forms.ValidationError(f"The template does not compile: {error}")
        return body


@admin.register(CodeTemplate)
class CodeTemplateAdmin(admin.ModelAdmin):
    form = CodeTemplateForm
    list_display = ("name", "slug", "language", "version", "is_active", "updated_at")
    list_filter = ("language", "is_active")
    search_fields = ("name", "slug", "description")
    readonly_fields = ("version",)
    inlines = [RevisionInline]

    def save_model(self, request, obj, form, change):
        services.save_template_revision(template=obj, changed_by=request.user)


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "owner", "kind", "language", "model", "input_tokens", "output_tokens", "cost")
    list_filter = ("kind", "language", "status")
    search_fields = ("prompt", "owner__email")
    list_select_related = ("owner",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
