"""Image pages: upload and choose an operation; the job's progress, before/after and findings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from . import forms, selectors, services


def _upload(file, field: str) -> services.Upload:
    return services.Upload(name=file.name, data=file.read(), field=field)


@login_required
def index(request):
    form = forms.OperationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        operation, options = form.cleaned_data["operation"], form.options()
        style = form.cleaned_data.get("style")
        try:
            services.require_models(operation, options)
            job = services.start_operation(
                owner=request.user,
                operation=operation,
                image=_upload(form.cleaned_data["image"], "image"),
                style=_upload(style, "style") if style and operation == "style_transfer" else None,
                params=options,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except APIException as exc:  # 413 (size, pixels, quota) and 503 (a model is not configured)
            field = getattr(exc, "field", None)
            form.add_error(field if field in form.fields else None, str(exc.detail))
        else:
            return redirect("vision:job", job_id=job.id)
    return render(
        request,
        "vision/index.html",
        {
            "form": form,
            "jobs": [(j, _thumbnail(j)) for j in selectors.jobs_of(user=request.user)[:24]],
            "used": services.used_bytes(request.user),
        },
        status=400 if form.errors else 200,
    )


def _thumbnail(job):
    """The first output of the job, else its first input."""
    files = list(job.image_files.all())
    for role in ("output", "input"):
        found = next((f for f in files if f.role == role), None)
        if found is not None:
            return found
    return None


@login_required
def job(request, job_id):
    item = selectors.job_of(user=request.user, job_id=job_id)
    files = {f.role: f for f in item.image_files.all()}
    context = {"job": item, "files": files}
    if request.headers.get("HX-Request"):
        return render(request, "vision/_job.html", context)
    return render(request, "vision/job.html", context)


@login_required
@require_POST
def delete_job(request, job_id):
    item = selectors.job_of(user=request.user, job_id=job_id)
    services.delete_job(job=item)
    messages.success(request, "The job and its images were deleted.")
    return redirect("vision:index")
