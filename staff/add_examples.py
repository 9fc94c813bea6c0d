"""`make add-examples FILE=review/out/review-<date>.yml`: adds the lines staff approved in a review file
to the training data (docs/staff-guide.md, "Review what patients asked").

Staff write the intent a line belongs to after its `add_to:` (or after the group's `add_to:`, which
applies to every line of the group without one of its own). Each approved line is appended to the
examples of that intent in data/nlu, in the file where that intent's examples are, unless:
- the intent is not in domain.yml (a typo), or is `emergency` / `self_harm` (the red-flag rules,
  reviewed by clinicians, decide those);
- the line is already a training example (under any intent), or is a phrase of the held-out test
  (tests/nlu/heldout.yml), which must never be trained on;
- the line still holds a <name>, <phone>, <date>... placeholder, or is empty.
Nothing is written when the review file cannot be read. Exit code 1 if any line was refused for a
reason staff must fix (a line that is already there under the same intent is simply skipped).

    python -m staff.add_examples review/out/review-2026-11-25.yml [--dry-run] [--root DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from safety.intents import SAFETY_INTENTS
from staff.yaml_lines import (
    ROOT,
    Example,
    LineDict,
    YamlProblem,
    block_lines,
    domain_intents,
    examples_in,
    heldout_path,
    load_yaml,
    nlu_files,
    nlu_items,
    normalise,
    rel,
    training_examples,
    where,
)

_PLACEHOLDER = re.compile(r"<[a-z ]+>")


@dataclass
class Approved:
    text: str
    intent: str
    line: int


@dataclass
class Outcome:
    added: List[Tuple[Approved, str]]
    skipped: List[Tuple[Approved, str]]
    refused: List[Tuple[Approved, str]]


def approved_lines(review_file: Path, root: Path) -> List[Approved]:
    data = load_yaml(review_file, root) or {}
    out: List[Approved] = []
    for group in data.get("groups") or []:
        if not isinstance(group, LineDict):
            continue
        default = group.get("add_to")
        for line in group.get("lines") or []:
            if not isinstance(line, LineDict):
                continue
            intent = line.get("add_to") or default
            if intent is None or str(intent).strip() == "":
                continue
            out.append(
                Approved(
                    " ".join(str(line.get("text") or "").split()),
                    str(intent).strip(),
                    line.key_lines.get("add_to", line.line),
                )
            )
    return out


def intent_block(root: Path, intent: str) -> Optional[Tuple[Path, int, str]]:
    """(file, line after which to insert, indentation) for the intent's examples in data/nlu: the
    block with the most examples when there are several."""
    best: Optional[Tuple[int, Path, int, str]] = None
    for path in nlu_files(root):
        lines = path.read_text(encoding="utf-8").split("\n")
        for item in nlu_items(path, root):
            if item.get("intent") != intent:
                continue
            numbered = [
                (n, t) for n, t in block_lines(item, "examples") if t.strip().startswith("- ")
            ]
            if (
                not numbered
                or "examples" not in item.value_nodes
                or item.value_nodes["examples"].style != "|"
            ):
                continue
            last = numbered[-1][0]
            raw = lines[last - 1]
            indent = raw[: len(raw) - len(raw.lstrip())]
            if best is None or len(numbered) > best[0]:
                best = (len(numbered), path, last, indent)
    return (best[1], best[2], best[3]) if best else None


def clean(text: str) -> str:
    """One line, no entity-annotation brackets (a review line has no annotations)."""
    return " ".join(text.replace("[", "(").replace("]", ")").split())


def add(review_file: Path, root: Path = ROOT, dry_run: bool = False) -> Outcome:
    root = Path(root)
    approved = approved_lines(review_file, root)
    intents = set(domain_intents(load_yaml(root / "domain.yml", root)))
    existing: Dict[str, Example] = {ex.norm: ex for ex in training_examples(root)}
    hp = heldout_path(root)
    heldout: Dict[str, Example] = (
        {ex.norm: ex for ex in examples_in(hp, root)} if hp.exists() else {}
    )
    outcome = Outcome([], [], [])
    inserts: Dict[Path, List[Tuple[int, str, Approved]]] = {}
    src = rel(review_file, root)
    for a in approved:
        text = clean(a.text)
        norm = normalise(text)
        here = f"{src} line {a.line}"
        if a.intent not in intents:
            outcome.refused.append(
                (
                    a,
                    f"{here}: '{a.intent}' is not an intent in domain.yml; check the spelling "
                    f"(intents: {', '.join(sorted(intents - SAFETY_INTENTS))}).",
                )
            )
            continue
        if a.intent in SAFETY_INTENTS:
            outcome.refused.append(
                (
                    a,
                    f"{here}: lines are never added to '{a.intent}': emergencies and crises are "
                    "recognised by the red-flag rules that clinicians review (safety/red_flags.yml). "
                    "Tell the clinical lead about this message instead.",
                )
            )
            continue
        if not norm:
            outcome.refused.append((a, f"{here}: the line is empty."))
            continue
        if _PLACEHOLDER.search(text) or text.startswith("/"):
            outcome.refused.append(
                (
                    a,
                    f"{here}: '{text}' still holds a placeholder such as <name> or <phone>; "
                    "reword the line in the review file without it, or leave add_to empty.",
                )
            )
            continue
        if norm in heldout:
            ex = heldout[norm]
            outcome.refused.append(
                (
                    a,
                    f"{here}: '{text}' is a phrase of the held-out test "
                    f"({where(ex.path, root, ex.line)}), which must never be trained on; not added.",
                )
            )
            continue
        if norm in existing:
            ex = existing[norm]
            if ex.intent == a.intent:
                outcome.skipped.append(
                    (
                        a,
                        f"'{text}' is already an example of {a.intent} "
                        f"({where(ex.path, root, ex.line)}).",
                    )
                )
            else:
                outcome.refused.append(
                    (
                        a,
                        f"{here}: '{text}' is already an example under {ex.intent} "
                        f"({where(ex.path, root, ex.line)}); an example belongs to one intent only. "
                        f"If it really belongs to {a.intent}, move that line by hand.",
                    )
                )
            continue
        block = intent_block(root, a.intent)
        if block is None:
            outcome.refused.append(
                (
                    a,
                    f"{here}: the intent '{a.intent}' has no examples block in data/nlu yet; add "
                    "its first examples by hand (docs/staff-guide.md, 'Add a new topic').",
                )
            )
            continue
        path, after, indent = block
        inserts.setdefault(path, []).append((after, f"{indent}- {text}", a))
        existing[norm] = Example(a.intent, text, path, after)
        outcome.added.append((a, f"{rel(path, root)}: '{text}' added to {a.intent}."))
    if not dry_run:
        for path, items in inserts.items():
            original = path.read_text(encoding="utf-8")
            lines = original.split("\n")
            # Insert from the bottom up so the earlier line numbers stay right; keep the review's order.
            by_line: Dict[int, List[str]] = {}
            for after, new_line, _ in items:
                by_line.setdefault(after, []).append(new_line)
            for after in sorted(by_line, reverse=True):
                lines[after:after] = by_line[after]
            path.write_text("\n".join(lines), encoding="utf-8")
            try:
                load_yaml(path, root)
            except YamlProblem as e:  # never leave a broken file behind
                path.write_text(original, encoding="utf-8")
                raise SystemExit(
                    f"add-examples: writing {rel(path, root)} broke it ({e.message}); please tell an engineer."
                )
    return outcome


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Add the lines approved in a review file to the training data."
    )
    ap.add_argument(
        "file", type=Path, help="the review file, e.g. review/out/review-2026-11-25.yml"
    )
    ap.add_argument(
        "--dry-run", action="store_true", help="say what would be added, change nothing"
    )
    ap.add_argument("--root", type=Path, default=ROOT)
    args = ap.parse_args(argv)
    if not args.file.exists():
        print(
            f"add-examples: {args.file} does not exist. Give the review file: "
            "make add-examples FILE=review/out/review-<date>.yml",
            file=sys.stderr,
        )
        return 1
    try:
        outcome = add(args.file, args.root, args.dry_run)
    except YamlProblem as e:
        print(f"add-examples: nothing added. {e.message}", file=sys.stderr)
        return 1
    verb = "Would add" if args.dry_run else "Added"
    for _, msg in outcome.added:
        print(f"{'would add' if args.dry_run else 'added'}    {msg}")
    for _, msg in outcome.skipped:
        print(f"skipped  {msg}")
    for _, msg in outcome.refused:
        print(f"REFUSED  {msg}")
    print(
        f"\nadd-examples: {verb.lower()} {len(outcome.added)}, skipped {len(outcome.skipped)} already there, "
        f"refused {len(outcome.refused)}."
    )
    if outcome.added and not args.dry_run:
        print("Next: `make check`, then `make train` and `make publish` (docs/staff-guide.md).")
    return 1 if outcome.refused else 0


if __name__ == "__main__":
    sys.exit(main())
