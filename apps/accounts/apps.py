from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who a user is and what they may do: the user model, sign-in, roles and tiers."""

    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import receivers, schema  # noqa: F401  (audit receivers, OpenAPI auth schemes)
