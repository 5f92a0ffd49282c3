"""The text-analysis pages: analyse a text (all five analyses at once), history, topics."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.core import selectors as core_selectors
from apps.core.errors import describe

from . import forms, selectors, services
from .models import Analysis

PAGE_KINDS = (
    Analysis.Kind.SENTIMENT,
    Analysis.Kind.ENTITIES,
    Analysis.Kind.SUMMARIZE,
    Analysis.Kind.LANGUAGE,
    Analysis.Kind.KEYWORDS,
)


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    form = forms.AnalyseForm(request.POST or None)
    results, errors = {}, {}
    if request.method == "POST" and form.is_valid():
        try:
            _, results, failures = services.analyse_everything(
                owner=request.user, text=form.cleaned_data["text"], kinds=PAGE_KINDS
            )
        except ValidationError as exc:
            form.add_error("text", " ".join(exc.messages))
        else:
            errors = {kind: describe(exc) for kind, exc in failures.items()}
    context = {
        "form": form,
        "results": results,
        "errors": errors,
        "analysed_text": form.cleaned_data.get("text") if results or errors else None,
        "history": selectors.analyses_of(user=request.user)[:20],
        "news": services.corpus_documents("market_news", owner=request.user),
    }
    if request.headers.get("HX-Request"):
        # htmx swaps only 2xx answers: form errors come back as 200 inside the results panel.
        return render(request, "nlp/_results.html", context)
    return render(request, "nlp/index.html", context, status=400 if form.errors else 200)


@login_required
def analysis_detail(request, analysis_id: int):
    return render(
        request, "nlp/analysis.html", {"analysis": selectors.analysis_of(user=request.user, analysis_id=analysis_id)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def topics(request):
    form = forms.TopicsForm(
        request.POST or None, corpora=services.corpora(), initial={"corpus": services.default_corpus()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_topics(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.info(request, "Fitting topics; the chart appears when the job is done.")
            return redirect("nlp:topics-result", job_id=job.id)
    recent = core_selectors.jobs_of(user=request.user, kind="nlp.topics")[:10]
    return render(request, "nlp/topics.html", {"form": form, "recent": recent}, status=400 if form.errors else 200)


@login_required
def topics_result(request, job_id):
    job = core_selectors.job_of(user=request.user, job_id=job_id)
    template = "nlp/_topics_result.html" if request.headers.get("HX-Request") else "nlp/topics_result.html"
    return render(request, template, {"job": job})
