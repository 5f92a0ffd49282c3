"""Job kinds of the codegen app (the ``ai`` queue): long generations such as multi-file projects."""

from apps.core.errors import ServiceUnavailable
from apps.core.jobs import JobError, register_job

from . import services


@register_job("codegen.project", queue="ai")
def generate_project(job, report):
    """A small project as files: stored when their paths are safe, listed with a reason when not."""
    report(10, "asking Claude for the files")
    try:
        generation, refused = services.build_project(owner=job.owner, **job.params)
    except ServiceUnavailable as exc:
        raise JobError(str(exc.detail)) from exc
    except ValueError as exc:
        raise JobError(str(exc)) from exc
    return {
        "generation": generation.pk,
        "files": [{"path": f.path, "size": f.size} for f in generation.files.all()],
        "refused": refused,
        "summary": generation.explanation,
        "zip": f"/api/v1/codegen/projects/{generation.pk}/zip/",
        "usage": {"input_tokens": generation.input_tokens, "output_tokens": generation.output_tokens},
        "cost": str(generation.cost),
    }
