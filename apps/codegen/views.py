"""The code playground: prompt, language and template, an editor the answer streams into, improve
and explain on the editor's content, a diff view, and the history."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors, services
from .engine.languages import LANGUAGES


@login_required
def index(request):
    templates = list(selectors.templates())
    return render(
        request,
        "codegen/index.html",
        {
            "configured": bool(settings.ANTHROPIC_API_KEY),
            "languages": LANGUAGES.values(),
            "templates": templates,
            "template_parameters": {
                t.slug: {"description": t.description, "parameters": t.parameters} for t in templates
            },
            "goals": services.GOALS,
            "history": selectors.history(user=request.user)[:30],
            "tokens_today": services.tokens_today(request.user),
            "quota": services.daily_quota(request.user),
            "model": settings.ANTHROPIC_MODEL,
        },
    )
