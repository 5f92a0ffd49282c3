from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    """AI-written code-change proposals reviewed by people in the admin and applied to git."""

    name = "apps.proposals"
    label = "proposals"
    verbose_name = "Proposals"
