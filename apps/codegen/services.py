"""Writes of the codegen app: generations (code, improve, explain) with usage, cost and quotas;
template rendering and revisions.

Every generation is checked before Claude is called (prompt and context sizes, the language, the
template's parameters, the user's daily token quota), recorded with its usage priced per token kind
(input, output, cache writes, cache reads), and its code syntax-checked where a checker exists.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from rest_framework.exceptions import Throttled

from apps.core.aggregates import DecimalSum
from apps.core.errors import ServiceUnavailable

from .engine import diffs, languages, paths, templating
from .models import CodeTemplate, Generation, ProjectFile, TemplateRevision
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


def usage_summary(owner) -> dict:
    """Tokens and cost today and in all, for one user."""

    def totals(rows) -> dict:
        t = rows.aggregate(
            tokens=Sum(F("input_tokens") + F("output_tokens") + F("cache_write_tokens") + F("cache_read_tokens")),
            cost=DecimalSum("cost"),
            requests=Count("id"),
        )
        cost = (t["cost"] or Decimal(0)).quantize(Decimal("0.000001"))  # SQLite sums to more places
        return {"tokens": t["tokens"] or 0, "cost": str(cost), "requests": t["requests"]}

    mine = Generation.objects.filter(owner=owner)
    return {"today": totals(mine.filter(created_at__gte=_day_start())), "all_time": totals(mine)}


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


def _tuning(model: str | None, effort: str | None) -> dict:
    """A per-request model (one of ``CODEGEN_MODELS``) and effort (``low``, ``medium``, ``high``;
    this SDK's sampling control, as it takes no temperature)."""
    if model and model not in settings.CODEGEN_MODELS:
        raise ValidationError({"model": f"Choose one of {', '.join(settings.CODEGEN_MODELS)}."})
    if effort and effort not in EFFORTS:
        raise ValidationError({"effort": f"Choose one of {', '.join(EFFORTS)}."})
    return {"model": model or None, "effort": effort or settings.CODEGEN_EFFORT or None}


EFFORTS = ("low", "medium", "high")


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


@dataclass
class Request:
    """A checked generation request, ready to send (or stream) to Claude."""

    owner: object
    kind: str
    language: languages.Language
    prompt: str  # what Claude is sent
    max_tokens: int
    fields: dict = field(default_factory=dict)  # recorded with the generation
    model: str | None = None
    effort: str | None = None
    history: list[dict] = field(default_factory=list)  # earlier turns of the conversation, oldest first


MAX_TURNS = 20  # earlier turns sent when a conversation is continued


def _turn_text(turn: Generation) -> str:
    """What the user asked in an earlier turn, as it reads in the conversation."""
    if turn.prompt:
        return turn.prompt
    lang = languages.LANGUAGES.get(turn.language)
    verb = {Generation.Kind.IMPROVE: f"Improve ({turn.goal})", Generation.Kind.EXPLAIN: "Explain"}.get(turn.kind, "")
    return f"{verb} this {lang.name if lang else turn.language} code:\n\n```\n{turn.input_code}\n```".strip()


def conversation_chain(turn: Generation) -> list[Generation]:
    """The turns from the first one to ``turn`` (following ``parent``), oldest first, at most
    ``MAX_TURNS``."""
    chain, seen = [], set()
    while turn is not None and turn.pk not in seen and len(chain) < MAX_TURNS:
        chain.append(turn)
        seen.add(turn.pk)
        turn = turn.parent
    return chain[::-1]


def _continue(owner, conversation) -> tuple[dict, list[dict]]:
    """The fields linking a new turn to an earlier generation of the same user, and the messages of
    the turns so far. Another user's generation (or none) is a 404."""
    if conversation is None:
        return {}, []
    from django.http import Http404

    earlier = Generation.objects.filter(owner=owner, pk=conversation).select_related("parent").first()
    if earlier is None:
        raise Http404("No such conversation.")
    if earlier.status != Generation.Status.SUCCEEDED or not earlier.output.strip():
        raise ValidationError({"conversation": "That generation has no answer to continue from."})
    history = []
    for turn in conversation_chain(earlier):
        if turn.status != Generation.Status.SUCCEEDED or not turn.output.strip():
            continue
        history += [{"role": "user", "content": _turn_text(turn)}, {"role": "assistant", "content": turn.output}]
    _limit("".join(m["content"] for m in history), "conversation", settings.CODEGEN_MAX_CONTEXT_CHARS)
    root = earlier.conversation_id or earlier.pk
    return {"parent": earlier, "conversation_id": root}, history


def prepare_code(
    *,
    owner,
    prompt: str,
    language: str,
    template: str | None = None,
    params: dict | None = None,
    context_files: list[dict] | None = None,
    max_tokens: int | None = None,
    model: str | None = None,
    effort: str | None = None,
    conversation: int | None = None,
) -> Request:
    """Code for ``prompt`` in ``language``, optionally from a rendered template, with context files;
    with ``conversation`` (an earlier generation of the same user) the earlier turns are sent first
    and the new turn is linked to them."""
    if not prompt.strip():
        raise ValidationError({"prompt": "Describe the code you want."})
    _limit(prompt, "prompt", settings.CODEGEN_MAX_PROMPT_CHARS)
    lang = _language(language)
    context_files = context_files or []
    _limit("".join(f["content"] for f in context_files), "context_files", settings.CODEGEN_MAX_CONTEXT_CHARS)
    chosen = template_of(template) if template else None
    starting_point = render_template(template=chosen, params=params or {}) if chosen else ""
    tuning = _tuning(model, effort)  # every field is checked before the quota: a bad one is a 400, not a 429
    links, history = _continue(owner, conversation)
    check_quota(owner)
    parts = [f"Write {lang.name} code for this request:\n\n{prompt.strip()}"]
    if starting_point:
        parts.append(f"Start from this {lang.name} template and adapt it:\n\n```{lang.highlight}\n{starting_point}```")
    for f in context_files:
        parts.append(f"Context file `{f['path']}`:\n\n```\n{f['content']}\n```")
    fields = {
        "prompt": prompt,
        "template": chosen,
        "template_version": chosen.version if chosen else None,
        "context_paths": [f["path"] for f in context_files],
        **links,
    }
    return Request(
        owner,
        Generation.Kind.CODE,
        lang,
        "\n\n".join(parts),
        _max_tokens(max_tokens),
        fields,
        **tuning,
        history=history,
    )


def prepare_improve(
    *, owner, code: str, language: str, goal: str, max_tokens: int | None = None, model=None, effort=None
) -> Request:
    """Improved code for a goal (performance, readability, security, tests), with the diff."""
    if not code.strip():
        raise ValidationError({"code": "Paste the code to improve."})
    _limit(code, "code", settings.CODEGEN_MAX_CONTEXT_CHARS)
    lang = _language(language)
    if goal not in GOALS:
        raise ValidationError({"goal": f"Choose one of {', '.join(GOALS)}."})
    tuning = _tuning(model, effort)
    check_quota(owner)
    prompt = f"Improve this {lang.name} code. Goal: {GOALS[goal]}.\n\n```{lang.highlight}\n{code}\n```"
    fields = {"goal": goal, "input_code": code}
    return Request(owner, Generation.Kind.IMPROVE, lang, prompt, _max_tokens(max_tokens), fields, **tuning)


def prepare_explain(
    *, owner, code: str, language: str, max_tokens: int | None = None, model=None, effort=None
) -> Request:
    """A Markdown explanation of the code."""
    if not code.strip():
        raise ValidationError({"code": "Paste the code to explain."})
    _limit(code, "code", settings.CODEGEN_MAX_CONTEXT_CHARS)
    lang = _language(language)
    tuning = _tuning(model, effort)
    check_quota(owner)
    prompt = f"Explain this {lang.name} code.\n\n```{lang.highlight}\n{code}\n```"
    fields = {"input_code": code}
    return Request(owner, Generation.Kind.EXPLAIN, lang, prompt, _max_tokens(max_tokens), fields, **tuning)


def _usage(answer: claude.Answer | None) -> dict:
    if answer is None:
        return {"input_tokens": 0, "output_tokens": 0, "cache_write_tokens": 0, "cache_read_tokens": 0}
    return {
        "input_tokens": answer.input_tokens,
        "output_tokens": answer.output_tokens,
        "cache_write_tokens": answer.cache_write_tokens,
        "cache_read_tokens": answer.cache_read_tokens,
    }


def finish(
    request: Request, *, text: str, answer: claude.Answer | None, started: float, status: str = "succeeded"
) -> Generation:
    """Record a generation: the code, explanation, diff and syntax check drawn from ``text``."""
    fields = dict(request.fields)
    if request.kind == Generation.Kind.EXPLAIN:
        fields["explanation"] = text.strip()
    else:
        code = languages.extract_code(text)
        fields["code"] = code
        fields["explanation"] = text.split("```")[-1].strip() if text.count("```") >= 2 else ""
        fields["syntax"] = languages.check_syntax(request.language.slug, code).as_dict()
        if request.kind == Generation.Kind.IMPROVE:
            fields["diff"] = diffs.unified(fields["input_code"], code, name=f"code{request.language.extensions[0]}")
    usage = _usage(answer)
    return Generation.objects.create(
        owner=request.owner,
        kind=request.kind,
        status=status,
        language=request.language.slug,
        model=answer.model if answer else settings.ANTHROPIC_MODEL,
        stop_reason=(answer.stop_reason or "") if answer else "",
        output=text,
        cost=price(**usage),
        duration_ms=int((time.monotonic() - started) * 1000),
        **usage,
        **fields,
    )


def run(request: Request) -> Generation:
    started = time.monotonic()
    answer = claude.ask(
        prompt=request.prompt,
        max_tokens=request.max_tokens,
        model=request.model,
        effort=request.effort,
        history=request.history,
    )
    return finish(request, text=answer.text, answer=answer, started=started)


def stream(request: Request) -> Iterator[dict]:
    """Events as the answer arrives (see ``_stream_events``). Raises ``ServiceUnavailable`` at once,
    before any event, when Claude is not configured, so the caller answers 503 rather than a 200
    stream that carries only an error."""
    claude.require_configured()
    return _stream_events(request)


def _stream_events(request: Request) -> Iterator[dict]:
    """Events as the answer arrives: ``{"type": "text", "text"}`` for each piece, then
    ``{"type": "done", "generation": id}``, or ``{"type": "error", "message"}``. If the consumer
    stops early (the browser went away or cancelled), the upstream request is closed and what
    arrived is recorded as a cancelled generation."""
    started = time.monotonic()
    answer = claude.Streamed(
        prompt=request.prompt,
        max_tokens=request.max_tokens,
        model=request.model,
        effort=request.effort,
        history=request.history,
    )
    pieces = iter(answer)
    completed = False
    try:
        for piece in pieces:
            yield {"type": "text", "text": piece}
        completed = True
        generation = finish(request, text=answer.text, answer=answer.answer, started=started)
        yield {"type": "done", "generation": generation.pk}
    except ServiceUnavailable as exc:
        completed = True
        yield {"type": "error", "message": str(exc.detail)}
    finally:
        if not completed:
            pieces.close()  # leaves the SDK's stream context: the HTTP request to Claude is closed
            finish(request, text=answer.text, answer=None, started=started, status=Generation.Status.CANCELLED)


async def astream(request: Request) -> AsyncIterator[dict]:
    """``stream`` for an ASGI server: each piece is handed on as it arrives (a sync iterator would
    be read to the end before the first byte is sent), and when the server cancels the response
    because the client went away, the upstream request is closed and what arrived is recorded as
    a cancelled generation."""
    from asgiref.sync import sync_to_async

    started = time.monotonic()
    answer = claude.AsyncStreamed(
        prompt=request.prompt, max_tokens=request.max_tokens, model=request.model, effort=request.effort
    )
    pieces = aiter(answer)
    completed = False
    try:
        async for piece in pieces:
            yield {"type": "text", "text": piece}
        completed = True
        generation = await sync_to_async(finish)(request, text=answer.text, answer=answer.answer, started=started)
        yield {"type": "done", "generation": generation.pk}
    except ServiceUnavailable as exc:
        completed = True
        yield {"type": "error", "message": str(exc.detail)}
    finally:
        if not completed:
            await pieces.aclose()  # leaves the SDK's stream context: the HTTP request to Claude is closed
            await sync_to_async(finish)(
                request, text=answer.text, answer=None, started=started, status=Generation.Status.CANCELLED
            )


def generate_code(**kwargs) -> Generation:
    return run(prepare_code(**kwargs))


def improve_code(**kwargs) -> Generation:
    return run(prepare_improve(**kwargs))


def explain_code(**kwargs) -> Generation:
    return run(prepare_explain(**kwargs))


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


# --- multi-file projects ------------------------------------------------------------------------

MAX_PROJECT_FILES = 50
MAX_PROJECT_BYTES = 1_000_000


def start_project(*, owner, prompt: str, language: str, max_tokens: int | None = None):
    """Check the request and queue the project as a job on the ``ai`` queue."""
    from apps.core import services as core_services

    if not prompt.strip():
        raise ValidationError({"prompt": "Describe the project you want."})
    _limit(prompt, "prompt", settings.CODEGEN_MAX_PROMPT_CHARS)
    lang = _language(language)
    claude_configured()
    check_quota(owner)
    return core_services.enqueue_job(
        owner=owner,
        kind="codegen.project",
        params={"prompt": prompt, "language": lang.slug, "max_tokens": _max_tokens(max_tokens)},
    )


def claude_configured() -> None:
    """A 503 before queueing work that needs Claude when no key is set."""
    from apps.core import claude as core_claude

    core_claude.client(purpose="Code generation", code="codegen_unavailable")


@transaction.atomic
def build_project(*, owner, prompt: str, language: str, max_tokens: int) -> tuple[Generation, list[dict]]:
    """Ask Claude for the project's files through its tool, keep the safe ones, and report every
    refused file with the reason. Nothing is stored unless the whole answer is recorded."""
    lang = _language(language)
    started = time.monotonic()
    answer, tool_input = claude.ask_for_files(
        prompt=f"Create a small, complete {lang.name} project for this request, as files:\n\n{prompt.strip()}",
        max_tokens=max_tokens,
    )
    files = tool_input.get("files") if isinstance(tool_input, dict) else None
    if not isinstance(files, list) or not files:
        raise ValueError("Claude did not return any files.")
    kept, refused, seen, total = [], [], set(), 0
    for item in files[: MAX_PROJECT_FILES * 2]:
        path = item.get("path") if isinstance(item, dict) else None
        content = item.get("content") if isinstance(item, dict) else None
        reason = paths.problem(path) or (None if isinstance(content, str) else "no text content")
        if reason is None and path in seen:
            reason = "duplicate path"
        if reason is None and len(kept) >= MAX_PROJECT_FILES:
            reason = f"more than {MAX_PROJECT_FILES} files"
        if reason is None and total + len(content.encode()) > MAX_PROJECT_BYTES:
            reason = f"the project would exceed {MAX_PROJECT_BYTES:,} bytes"
        if reason:
            refused.append({"path": str(path)[:200], "reason": reason})
            continue
        seen.add(path)
        total += len(content.encode())
        kept.append((path, content))
    if not kept:
        raise ValueError(f"Every file Claude proposed was refused: {refused[0]['reason']}.")
    usage = _usage(answer)
    generation = Generation.objects.create(
        owner=owner,
        kind=Generation.Kind.PROJECT,
        language=lang.slug,
        prompt=prompt,
        model=answer.model,
        stop_reason=answer.stop_reason or "",
        output=answer.text,
        explanation=str(tool_input.get("summary") or answer.text).strip(),
        cost=price(**usage),
        duration_ms=int((time.monotonic() - started) * 1000),
        **usage,
    )
    ProjectFile.objects.bulk_create(
        ProjectFile(generation=generation, path=path, content=content, size=len(content.encode()))
        for path, content in kept
    )
    return generation, refused


def project_zip(*, generation: Generation) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in generation.files.all():
            archive.writestr(f"project-{generation.pk}/{f.path}", f.content)
    return buffer.getvalue()


def language_for_path(path: str) -> str | None:
    """The slug of the language a file is written in, judged by its extension (None: not known)."""
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return next((lang.slug for lang in languages.LANGUAGES.values() if suffix in lang.extensions), None)


def syntax_problem(*, path: str, code: str) -> str | None:
    """Why a file of this name with this text does not parse (naming the line where the checker
    can), judged by the language its extension says; None when it parses or no checker exists here."""
    language = language_for_path(path)
    if language is None:
        return None
    check = languages.check_syntax(language, code)
    if check.checked and not check.ok:
        return check.error or "it does not parse"
    return None


def unsafe_path_reason(path) -> str | None:
    """Why a generated file path may not be written (outside the tree, absolute, …), or None."""
    return paths.problem(path)


def unified_diff(before: str, after: str, *, name: str) -> str:
    return diffs.unified(before, after, name=name)
