from django.apps import AppConfig


class CodegenConfig(AppConfig):
    """Code generation, improvement and explanation with Claude; templates and multi-file projects."""

    name = "apps.codegen"
    label = "codegen"
    verbose_name = "Code generation"
