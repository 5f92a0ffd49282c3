"""Code generation with a repository's files as context, and generations turned into proposals.

The context is either the files the user names (``paths``) or the text files of the branch head
ranked by BM25 against the prompt (``rank_bm25``), taken best first while they fit the token budget
(``PROPOSALS_CONTEXT_TOKEN_BUDGET``; tokens estimated as characters / 4). Claude is asked through
codegen's services (codegen knows nothing of repositories). A generation (or a generated project)
becomes a proposal through ``create_proposal``: the same path and parse checks, the diff, and the
reviewers' flow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from apps.codegen import selectors as codegen_selectors
from apps.codegen import services as codegen

from ..engine import gitops
from ..models import Agent, Proposal, Repository
from .proposals import MAX_FILE_BYTES, Head, check_path, create_proposal

MAX_CANDIDATES = 2000  # files of the head considered for retrieval
MAX_CANDIDATE_BYTES = 200_000  # larger files are never sent whole
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")


def estimate_tokens(text: str) -> int:
    return (len(text) + 3) // 4


def _words(text: str) -> list[str]:
    """Lower-cased words, identifiers also split at underscores and camelCase humps."""
    found = []
    for word in WORD.findall(text):
        found.append(word.lower())
        parts = [p for p in re.split(r"_|(?<=[a-z0-9])(?=[A-Z])", word) if len(p) > 1]
        if len(parts) > 1:
            found += [p.lower() for p in parts]
    return found


@dataclass
class Context:
    branch: str
    commit: str
    files: list[dict]  # {"path", "content", "tokens", "score"}
    budget: int
    mode: str  # "paths" or "bm25"
    skipped: list[dict]  # {"path", "reason"}

    @property
    def tokens(self) -> int:
        return sum(f["tokens"] for f in self.files)

    def summary(self) -> dict:
        return {
            "branch": self.branch,
            "commit": self.commit,
            "mode": self.mode,
            "files": [{k: f[k] for k in ("path", "tokens", "score")} for f in self.files],
            "skipped": self.skipped,
            "tokens": self.tokens,
            "budget": self.budget,
        }


def _text(data: bytes | None) -> str | None:
    if data is None or b"\0" in data[:8192] or len(data) > MAX_CANDIDATE_BYTES:
        return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


def _branch(repository: Repository, branch: str | None) -> tuple[str, str]:
    branch = branch or repository.default_branch
    if not gitops.branch_exists(repository.path, branch):
        raise ValidationError({"branch": f"The repository has no branch {branch!r}."})
    return branch, gitops.head(repository.path, branch)


def gather_context(
    *, repository: Repository, prompt: str, branch: str | None = None, paths: list[str] | None = None
) -> Context:
    """The files sent with a generation: the ``paths`` asked for (each must exist as text at the
    branch head, and together fit the budget), or else the best BM25 matches that fit."""
    budget = settings.PROPOSALS_CONTEXT_TOKEN_BUDGET
    branch, commit = _branch(repository, branch)
    if paths:
        files = []
        for i, path in enumerate(dict.fromkeys(paths)):
            check_path(path, f"paths[{i}]")
            text = _text(gitops.read(repository.path, commit, path))
            if text is None:
                raise ValidationError({f"paths[{i}]": f"{path} is not a text file on {branch}."})
            files.append({"path": path, "content": text, "tokens": estimate_tokens(text), "score": None})
        used = sum(f["tokens"] for f in files)
        if used > budget:
            limit = f"the budget is {budget:,} (PROPOSALS_CONTEXT_TOKEN_BUDGET)"
            raise ValidationError({"paths": f"The files take about {used:,} tokens; {limit}."})
        return Context(branch, commit, files, budget, "paths", [])
    return _retrieve(repository, prompt, branch, commit, budget)


def _retrieve(repository: Repository, prompt: str, branch: str, commit: str, budget: int) -> Context:
    from rank_bm25 import BM25Okapi

    texts = {}
    for path in gitops.files(repository.path, commit)[:MAX_CANDIDATES]:
        text = _text(gitops.read(repository.path, commit, path))
        if text is not None and text.strip():
            texts[path] = text
    query = _words(prompt)
    if not texts or not query:
        return Context(branch, commit, [], budget, "bm25", [])
    paths = list(texts)
    # the path's words count as the file's words too (a prompt often names the module)
    index = BM25Okapi([_words(path) + _words(texts[path]) for path in paths])
    scores = index.get_scores(query)
    ranked = sorted((s, p) for p, s in zip(paths, scores, strict=True) if s > 0)
    files, skipped, used = [], [], 0
    for score, path in sorted(ranked, key=lambda item: (-item[0], item[1])):
        tokens = estimate_tokens(texts[path])
        if used + tokens > budget:
            skipped.append({"path": path, "reason": f"about {tokens:,} tokens would exceed the budget"})
            continue
        used += tokens
        files.append({"path": path, "content": texts[path], "tokens": tokens, "score": round(float(score), 3)})
    return Context(branch, commit, files, budget, "bm25", skipped[:20])


def prepare_generation(
    *,
    owner,
    repository: Repository,
    prompt: str,
    language: str,
    branch: str | None = None,
    paths: list[str] | None = None,
    **options,
) -> tuple[codegen.Request, Context]:
    """A codegen request with the repository's files as ``context_files``, and what was chosen."""
    if not prompt.strip():
        raise ValidationError({"prompt": "Describe the code you want."})
    context = gather_context(repository=repository, prompt=prompt, branch=branch, paths=paths)
    request = codegen.prepare_code(
        owner=owner,
        prompt=prompt,
        language=language,
        context_files=[{"path": f["path"], "content": f["content"]} for f in context.files],
        **options,
    )
    return request, context


def propose_generation(
    *,
    actor,
    repository: Repository,
    generation_id: int,
    path: str = "",
    description: str = "",
    risk: str = "medium",
    ai_type: str = Agent.CONQUEST,
) -> Proposal:
    """A proposal from one of the actor's generations: its code as the file at ``path`` (a new file,
    or the whole of an existing one replaced), or a project's files (new files under the folder
    ``path``). Checked and stored by ``create_proposal`` (paths, parse checks, diff), pending review."""
    generation = codegen_selectors.generation_of(user=actor, generation_id=generation_id)
    head = Head(repository)
    about = description.strip() or f"From code generation #{generation.pk}: {generation.prompt.strip()[:500]}"
    if generation.kind == "project":
        folder = path.strip().strip("/")
        if folder:
            check_path(folder, "path")
        files = [
            {"path": f"{folder}/{f.path}" if folder else f.path, "content": f.content} for f in generation.files.all()
        ]
        if not files:
            raise ValidationError({"generation": "The project has no files."})
        if head.text(files[0]["path"]) is not None:
            raise ValidationError({"path": f"{files[0]['path']} exists already; a project only adds files."})
        return create_proposal(
            repository=repository,
            file_path=files[0]["path"],
            code_before="",
            code_after=files[0]["content"],
            more_files=files[1:],
            ai_type=ai_type,
            description=about,
            risk=risk,
            actor=actor,
            head=head,
        )
    if generation.status != "succeeded" or not generation.code.strip():
        raise ValidationError({"generation": "That generation has no code to propose."})
    if not path.strip():
        raise ValidationError({"path": "Name the file the code goes to."})
    check_path(path, "path")
    current = head.text(path)
    code = generation.code if generation.code.endswith("\n") else generation.code + "\n"
    if current is not None and len(current.encode()) > MAX_FILE_BYTES:
        raise ValidationError({"path": f"{path} is too large to replace."})
    return create_proposal(
        repository=repository,
        file_path=path,
        code_before=current or "",
        code_after=code,
        ai_type=ai_type,
        description=about,
        risk=risk,
        actor=actor,
        head=head,
    )
