"""Forms of the review pages."""

from django import forms

from .models import Agent, Proposal, Repository
from .selectors import readable_repositories


class FilterForm(forms.Form):
    ai_type = forms.ChoiceField(choices=[("", "Any agent"), *Agent.choices], required=False, label="Agent")
    status = forms.ChoiceField(choices=[("", "Any status"), *Proposal.Status.choices], required=False)
    risk = forms.ChoiceField(choices=[("", "Any risk"), *Proposal.Risk.choices], required=False)
    repository = forms.ModelChoiceField(queryset=Repository.objects.all(), required=False, empty_label="Any repository")
    q = forms.CharField(required=False, max_length=200, label="Search")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repository"].queryset = readable_repositories(user=user)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="Kept with the decision; a rejection needs one, and the agent learns from it.",
    )


class RunForm(forms.Form):
    agent = forms.ChoiceField(
        choices=[(a, label) for a, label in Agent.choices if a != Agent.CONQUEST],
        help_text="Conquest scaffolds through the API (it needs a blueprint).",
    )
    repository = forms.ModelChoiceField(queryset=Repository.objects.all(), empty_label=None)
    paths = forms.CharField(
        required=False, max_length=500, help_text="Folders or files to look at, comma-separated (default: all)."
    )
