"""Writes of the codegen app: generations (code, improve, explain) with usage, cost and quotas;
template rendering and revisions.

Every generation is checked before Claude is called (prompt and context sizes, the language, the
template's parameters, the user's daily token quota), recorded with its usage priced per token kind
(input, output, cache writes, cache reads), and its code syntax-checked where a checker exists.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from rest_framework.exceptions import Throttled

from .engine import diffs, languages, templating
from .models import CodeTemplate, Generation, TemplateRevision
from .providers import claude

GOALS = {
    "performance": "make it faster and lighter on memory without changing what it does",
    "readability": "make it easier to read and maintain: naming, structure, comments where they help",
    "security": "fix security weaknesses (injection, unsafe deserialisation, missing validation, secrets)",
    "tests": "add thorough unit tests for it, in the same answer, using the language's usual test framework",
}
MILLION = Decimal(1_000_000)


# --- quotas and usage ---------------------------------------------------------------------------


def _day_start() -> datetime:
    now = timezone.now()
    return datetime.combine(now.date(), clock.min, tzinfo=now.tzinfo)


def tokens_today(owner) -> int:
    totals = Generation.objects.filter(owner=owner, created_at__gte=_day_start()).aggregate(
        t=Sum(F("input_tokens") + F("output_tokens") + F("cache_write_tokens") + F("cache_read_tokens"))
    )
    return totals["t"] or 0


def daily_quota(owner) -> int:
    return settings.CODEGEN_DAILY_TOKENS.get(getattr(owner, "tier", "free"), settings.CODEGEN_DAILY_TOKENS["free"])


def check_quota(owner) -> None:
    used, quota = tokens_today(owner), daily_quota(owner)
    if used >= quota:
        wait = int((_day_start() + timedelta(days=1) - timezone.now()).total_seconds())
        raise Throttled(
            wait=wait,
            detail=f"You have used {used:,} of your {quota:,} code-generation tokens today; "
            "the quota resets at midnight UTC.",
        )


def price(*, input_tokens: int, output_tokens: int, cache_write_tokens: int, cache_read_tokens: int) -> Decimal:
    p = {k: Decimal(str(v)) for k, v in settings.CODEGEN_PRICES.items()}
    total = (
        input_tokens * p["input"]
        + output_tokens * p["output"]
        + cache_write_tokens * p["cache_write"]
        + cache_read_tokens * p["cache_read"]
    ) / MILLION
    return total.quantize(Decimal("0.000001"))


# --- checks -------------------------------------------------------------------------------------


def _language(slug: str) -> languages.Language:
    try:
        return languages.LANGUAGES[slug]
    except KeyError:
        raise ValidationError(
            {"language": f"Unknown language {slug!r}; choose one of {', '.join(languages.LANGUAGES)}."}
        ) from None


def _limit(text: str, field: str, limit: int) -> None:
    if len(text) > limit:
        raise ValidationError({field: f"{len(text):,} characters; the limit is {limit:,}."})


def _max_tokens(requested: int | None) -> int:
    return min(requested or settings.CODEGEN_MAX_TOKENS, settings.CODEGEN_MAX_TOKENS)


def template_of(slug: str) -> CodeTemplate:
    found = CodeTemplate.objects.filter(slug=slug, is_active=True).first()
    if found is None:
        raise ValidationError({"template": f"Unknown template {slug!r}."})
    return found


def render_template(*, template: CodeTemplate, params: dict) -> str:
    try:
        return templating.render(template.body, template.parameters, params or {})
    except templating.TemplateParamsError as exc:
        raise ValidationError({"params": [f"{k}: {v}" for k, v in exc.errors.items()]}) from exc


# --- generations --------------------------------------------------------------------------------


def _record(*, owner, kind: str, language: str, answer: claude.Answer, started: float, **fields) -> Generation:
    usage = {
        "input_tokens": answer.input_tokens,
        "output_tokens": answer.output_tokens,
        "cache_write_tokens": answer.cache_write_tokens,
        "cache_read_tokens": answer.cache_read_tokens,
    }
    return Generation.objects.create(
        owner=owner,
        kind=kind,
        language=language,
        model=answer.model,
        stop_reason=answer.stop_reason or "",
        output=answer.text,
        cost=price(**usage),
        duration_ms=int((time.monotonic() - started) * 1000),
        **usage,
        **fields,
    )


def generate_code(
    *,
    owner,
    prompt: str,
    language: str,
    template: str | None = None,
    params: dict | None = None,
    context_files: list[dict] | None = None,
    max_tokens: int | None = None,
) -> Generation:
    """Code for ``prompt`` in ``language``, optionally starting from a rendered template and with
    context files. Records the generation with its usage and cost."""
    if not prompt.strip():
        raise ValidationError({"prompt": "Describe the code you want."})
    _limit(prompt, "prompt", settings.CODEGEN_MAX_PROMPT_CHARS)
    lang = _language(language)
    context_files = context_files or []
    _limit("".join(f["content"] for f in context_files), "context_files", settings.CODEGEN_MAX_CONTEXT_CHARS)
    chosen = template_of(template) if template else None
    starting_point = render_template(template=chosen, params=params or {}) if chosen else ""
    check_quota(owner)

    parts = [f"Write {lang.name} code for this request:\n\n{prompt.strip()}"]
    if starting_point:
        parts.append(f"Start from this {lang.name} template and adapt it:\n\n```{lang.highlight}\n{starting_point}```")
    for f in context_files:
        parts.append(f"Context file `{f['path']}`:\n\n```\n{f['content']}\n```")
    started = time.monotonic()
    answer = claude.ask(prompt="\n\n".join(parts), max_tokens=_max_tokens(max_tokens))
    code = languages.extract_code(answer.text)
    explanation = answer.text.split("```")[-1].strip() if answer.text.count("```") >= 2 else ""
    return _record(
        owner=owner,
        kind=Generation.Kind.CODE,
        language=lang.slug,
        answer=answer,
        started=started,
        prompt=prompt,
        template=chosen,
        template_version=chosen.version if chosen else None,
        code=code,
        explanation=explanation,
        syntax=languages.check_syntax(lang.slug, code).as_dict(),
    )


def improve_code(*, owner, code: str, language: str, goal: str, max_tokens: int | None = None) -> Generation:
    """Improved code for a goal (performance, readability, security, tests), its explanation and
    the unified diff from the original."""
    if not code.strip():
        raise ValidationError({"code": "Paste the code to improve."})
    _limit(code, "code", settings.CODEGEN_MAX_CONTEXT_CHARS)
    lang = _language(language)
    if goal not in GOALS:
        raise ValidationError({"goal": f"Choose one of {', '.join(GOALS)}."})
    check_quota(owner)
    prompt = f"Improve this {lang.name} code. Goal: {GOALS[goal]}.\n\n```{lang.highlight}\n{code}\n```"
    started = time.monotonic()
    answer = claude.ask(prompt=prompt, max_tokens=_max_tokens(max_tokens))
    improved = languages.extract_code(answer.text)
    explanation = answer.text.split("```")[-1].strip() if answer.text.count("```") >= 2 else ""
    return _record(
        owner=owner,
        kind=Generation.Kind.IMPROVE,
        language=lang.slug,
        answer=answer,
        started=started,
        goal=goal,
        input_code=code,
        code=improved,
        explanation=explanation,
        diff=diffs.unified(code, improved, name=f"code{lang.extensions[0]}"),
        syntax=languages.check_syntax(lang.slug, improved).as_dict(),
    )


def explain_code(*, owner, code: str, language: str, max_tokens: int | None = None) -> Generation:
    """A Markdown explanation of the code."""
    if not code.strip():
        raise ValidationError({"code": "Paste the code to explain."})
    _limit(code, "code", settings.CODEGEN_MAX_CONTEXT_CHARS)
    lang = _language(language)
    check_quota(owner)
    started = time.monotonic()
    answer = claude.ask(
        prompt=f"Explain this {lang.name} code.\n\n```{lang.highlight}\n{code}\n```", max_tokens=_max_tokens(max_tokens)
    )
    return _record(
        owner=owner,
        kind=Generation.Kind.EXPLAIN,
        language=lang.slug,
        answer=answer,
        started=started,
        input_code=code,
        explanation=answer.text.strip(),
    )


# --- templates ----------------------------------------------------------------------------------


@transaction.atomic
def save_template_revision(*, template: CodeTemplate, changed_by=None) -> CodeTemplate:
    """Keep the stored version of ``template`` as a revision and bump its version (the admin calls
    this before saving a change); a body that does not compile is refused."""
    error = templating.check_body(template.body)
    if error:
        raise ValidationError({"body": f"The template does not compile: {error}"})
    if template.pk:
        previous = CodeTemplate.objects.select_for_update().get(pk=template.pk)
        if previous.body != template.body or previous.parameters != template.parameters:
            TemplateRevision.objects.create(
                template=previous,
                version=previous.version,
                body=previous.body,
                parameters=previous.parameters,
                changed_by=changed_by,
            )
            template.version = previous.version + 1
    template.save()
    return template
