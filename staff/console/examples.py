"""Example questions: staff type new ways of asking an intent (the Examples page), or approve a question
from the review queue into an intent. Both go through staff/add_examples.py, the same writer and checks
as `make add-examples` (not an intent, a safety intent, already there, a held-out test phrase), after one
more check here: a line that holds what looks like an identifier (a name, phone number, e-mail, date...,
as staff/scrub.py recognises them) is refused, so no patient's details are ever trained on."""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Set, Tuple
from urllib.parse import quote

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from safety.intents import SAFETY_INTENTS
from staff import add_examples
from staff.console.web import back, form_value, record, render
from staff.scrub import scrub, vocabulary
from staff.yaml_lines import YamlProblem, domain_intents, load_yaml

bp = Blueprint("examples")
_PLACEHOLDER = re.compile(r"<(?:name|phone|email|link|date|number|address)>")
# add_examples' messages start with where the line was in the review file, which the console made up.
_WHERE = re.compile(r"^\S+ line \d+: ")
MAX_LINES = 50


@dataclass
class Result:
    added: List[str] = field(default_factory=list)
    skipped: List[Tuple[str, str]] = field(default_factory=list)
    refused: List[Tuple[str, str]] = field(default_factory=list)


def identifiers(text: str, vocab: Set[str]) -> List[str]:
    """The kinds of identifier scrub() finds in the text ('name', 'phone'...), none for a clean line."""
    found = _PLACEHOLDER.findall(scrub(text, vocab))
    already = _PLACEHOLDER.findall(text)
    return sorted({f.strip("<>") for f in found} - {a.strip("<>") for a in already}) or (
        sorted({a.strip("<>") for a in already})
    )


def intents(root: Path) -> List[str]:
    """The intents staff may add examples to: every intent of domain.yml but the safety ones."""
    return [
        i
        for i in domain_intents(load_yaml(root / "domain.yml", root))
        if i not in SAFETY_INTENTS and i != "nlu_fallback"
    ]


def add(root: Path, intent: str, lines: List[str], scratch: Path) -> Result:
    result = Result()
    vocab = vocabulary(root)
    keep: List[str] = []
    for raw in lines:
        text = " ".join(raw.split())
        if not text:
            continue
        found = identifiers(text, vocab)
        if found:
            result.refused.append(
                (
                    text,
                    f"it looks like it holds a {' or '.join(found)}; examples must never hold a "
                    "patient's details. Reword it without them (write a medicine's name in lower "
                    "case: a capitalised word the assistant has never seen counts as a name).",
                )
            )
            continue
        keep.append(text)
    if not keep:
        return result
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", suffix=".yml", dir=scratch, delete=False, encoding="utf-8"
    ) as f:
        f.write("groups:\n  - add_to: " + json.dumps(intent) + "\n    lines:\n")
        for text in keep:
            f.write(f"      - text: {json.dumps(text, ensure_ascii=False)}\n")
        review_file = Path(f.name)
    try:
        outcome = add_examples.add(review_file, root)
    finally:
        review_file.unlink(missing_ok=True)
    result.added += [a.text for a, _ in outcome.added]
    result.skipped += [(a.text, _WHERE.sub("", why)) for a, why in outcome.skipped]
    result.refused += [(a.text, _WHERE.sub("", why)) for a, why in outcome.refused]
    return result


def summary(intent: str, result: Result) -> Tuple[str, str]:
    """(kind, text) of the message shown after adding. No example text goes to the audit record."""
    parts = [f"{len(result.added)} added to {intent}"]
    if result.skipped:
        parts.append(f"{len(result.skipped)} already there")
    if result.refused:
        parts.append(f"{len(result.refused)} refused")
    text = "; ".join(parts) + "."
    if result.added:
        text += " The assistant learns them at the next training (the Train page)."
    return ("error" if result.refused and not result.added else "ok"), text


def run(request: Request, intent: str, lines: List[str], back_to: str) -> HTTPResponse:
    cfg = request.app.ctx.config
    if intent not in intents(cfg.root):
        return back(request, back_to, "error", f"'{intent}' is not an intent you can add to.")
    try:
        result = add(cfg.root, intent, lines[:MAX_LINES], cfg.private_dir / "scratch")
    except (YamlProblem, SystemExit) as e:
        message = e.message if isinstance(e, YamlProblem) else str(e)
        return back(request, back_to, "error", f"Nothing added: {message}")
    if result.added:
        record(request, "add examples", f"intent {intent}", f"{len(result.added)} example(s)")
    kind, text = summary(intent, result)
    sess = request.ctx.session
    for line, why in result.refused:
        sess.flash("error", f"Refused '{line}': {why}")
    for line, why in result.skipped:
        sess.flash("info", f"Skipped '{line}': {why}")
    return back(request, back_to, kind, text)


@bp.get("/examples")
async def page(request: Request) -> HTTPResponse:
    cfg = request.app.ctx.config
    return render(
        request,
        "examples.html",
        title="Examples",
        choices=choices(cfg.root),
        chosen=request.args.get("intent", ""),
    )


@bp.post("/examples")
async def add_page(request: Request) -> HTTPResponse:
    intent = form_value(request, "intent")
    lines = form_value(request, "lines").replace("\r\n", "\n").split("\n")
    return run(request, intent, lines, f"/examples?intent={quote(intent)}")


def choices(root: Path) -> List[Tuple[str, str]]:
    """(intent, label): a topic's intent is labelled with the topic's title, as patients see it."""
    import yaml

    data = yaml.safe_load((root / "content" / "answers.yml").read_text(encoding="utf-8")) or {}
    titles = {f"ask_{k}": str(v.get("title")) for k, v in (data.get("topics") or {}).items()}
    return [(i, f"{i} ({titles[i]})" if i in titles else i) for i in intents(root)]
