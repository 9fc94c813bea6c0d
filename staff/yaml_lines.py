"""Reads the project's staff-editable files with line numbers, so every message can say where to look.

Shared by staff/check.py, staff/review.py and staff/add_examples.py. No Rasa import here: it is fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent

# Folders and top-level files holding the project's YAML (virtualenv, build output and caches skipped).
YAML_DIRS = ("data", "content", "tests", "safety", "review")
YAML_TOP = ("domain.yml", "config.yml", "endpoints.yml", "credentials.yml")
SKIP_DIRS = {
    ".venv",
    "node_modules",
    ".git",
    ".rasa",
    ".build",
    "results",
    "artifacts",
    "models",
    "__pycache__",
    "out",
}

_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")
_EDGE_PUNCT = " \t?!.,;:"


class YamlProblem(ValueError):
    """A YAML file cannot be read. `line` is 1-based (0 when unknown)."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(message)
        self.path, self.line, self.message = path, line, message


def rel(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def where(path: Path, root: Path, line: Optional[int] = None) -> str:
    return f"{rel(path, root)} line {line}" if line else rel(path, root)


# ---------------------------------------------------------------- YAML with line numbers


class LineDict(dict):
    """A YAML mapping that remembers on which line (1-based) it, and each of its keys, start."""

    line: int = 0

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.key_lines: Dict[Any, int] = {}
        self.value_nodes: Dict[Any, yaml.Node] = {}


class LineList(list):
    line: int = 0

    def __init__(self, *a: Any) -> None:
        super().__init__(*a)
        self.item_lines: List[int] = []


class _Loader(yaml.SafeLoader):
    pass


def _hint(problem: str) -> str:
    p = problem.lower()
    if "mapping values are not allowed" in p:
        return (
            "A text that contains a colon followed by a space (': ') must be in quotes, "
            "or a line is indented more than the line above it."
        )
    if "could not find expected ':'" in p or "simple key" in p:
        return "A line is missing its ':' after the name, or is indented differently from its neighbours."
    if "'\\t'" in p or "tab" in p:
        return "Use spaces, not the Tab key, to indent."
    if "expected <block end>" in p or "did not find expected" in p:
        return "A line is indented differently from the lines around it; line the entries up."
    if "found unexpected end of stream" in p or "found unknown escape" in p or "quoted scalar" in p:
        return "A quote mark is not closed, or a text contains a quote mark of the same kind inside it."
    if "found character" in p:
        return "A line starts with a special character (such as @, `, %); put that text in quotes."
    return "Check the indentation, and put texts that contain a colon or a quote mark in quotes."


class DuplicateKey(yaml.MarkedYAMLError):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise DuplicateKey(None, None, "a name here is not plain text", key_node.start_mark)
        if key in out:
            raise DuplicateKey(
                None,
                None,
                f"'{key}' appears twice in the same block (first on line {out.key_lines[key]}); "
                "the second one would silently replace the first",
                key_node.start_mark,
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
        out.value_nodes[key] = value_node
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path, root: Path = ROOT) -> Any:
    """Parses one YAML file; raises YamlProblem with a plain-words message naming file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise YamlProblem(
            path,
            0,
            f"{rel(path, root)}: the file is not saved as UTF-8 text. "
            "Save it again as plain text (UTF-8).",
        )
    if "\t" in text:
        line = text[: text.index("\t")].count("\n") + 1
        raise YamlProblem(
            path,
            line,
            f"{rel(path, root)} line {line}: there is a Tab character. "
            "Use spaces, not the Tab key, to indent.",
        )
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKey as e:
        line = e.problem_mark.line + 1
        raise YamlProblem(
            path, line, f"{rel(path, root)} line {line}: {e.problem}. Remove or rename one of them."
        )
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        opened = _unclosed_quote_line(text, e)
        if opened:
            raise YamlProblem(
                path,
                opened,
                f"{rel(path, root)} line {opened}: a quote mark opened on this line is not closed on it. "
                "Add the closing quote at the end of the text (a quote inside the text must be the other "
                "kind, or written twice for ').",
            )
        line = mark.line + 1 if mark else 0
        col = f", column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        context = getattr(e, "context", None)
        detail = f"{context}, {problem}" if context else problem
        raise YamlProblem(
            path,
            line,
            f"{rel(path, root)} line {line}{col}: this is not valid YAML "
            f"({detail}). {_hint(detail)}",
        )


def _unclosed_quote_line(text: str, error: Exception) -> int:
    """The line (1-based) where the quote that broke the file opens, or 0. YAML reports an unclosed
    quote where the file ends, or where the next quote mark pairs with it, far below the mistake: the
    quoted text that starts on one line and ends on another is the culprit (staff texts never span
    lines inside quotes)."""
    context = getattr(error, "context_mark", None)
    if context is not None and "quoted scalar" in str(getattr(error, "context", "")):
        return context.line + 1
    bad_line = getattr(getattr(error, "problem_mark", None), "line", None)
    culprit = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if bad_line is not None and token.start_mark.line > bad_line:
                break
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ('"', "'")
                and token.end_mark.line > token.start_mark.line
            ):
                culprit = token.start_mark.line + 1
    except yaml.YAMLError:
        pass
    return culprit


def project_yaml_files(root: Path) -> List[Path]:
    files = [root / f for f in YAML_TOP if (root / f).exists()]
    for d in YAML_DIRS:
        base = root / d
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("*")):
            if (
                p.suffix in (".yml", ".yaml")
                and p.is_file()
                and not (set(p.relative_to(root).parts) & SKIP_DIRS)
            ):
                files.append(p)
    return files


# ---------------------------------------------------------------- NLU examples


def normalise(text: str) -> str:
    """The text as the model sees it, for comparing examples: annotations removed, lower case, single
    spaces, no punctuation at either end."""
    text = _ANNOTATION.sub(r"\1", text)
    return " ".join(text.lower().split()).strip(_EDGE_PUNCT)


def plain(text: str) -> str:
    """An example without its entity annotations ('[pins and needles](symptom:tingling)' -> words)."""
    return _ANNOTATION.sub(r"\1", text).strip()


@dataclass(frozen=True)
class Example:
    intent: str
    text: str  # as written, with annotations
    path: Path
    line: int

    @property
    def norm(self) -> str:
        return normalise(self.text)


@dataclass(frozen=True)
class BadLine:
    path: Path
    line: int
    text: str
    indented: bool = False  # starts with '- ' but deeper than the block: Rasa skips it too


def block_lines(item: LineDict, key: str) -> Iterator[Tuple[int, str]]:
    """(line number, text) of each line of a `key: |` block in a mapping read by load_yaml."""
    value = item.get(key)
    if not isinstance(value, str):
        return
    node = item.value_nodes.get(key)
    literal = node is not None and getattr(node, "style", None) == "|"
    start = node.start_mark.line + 2 if node is not None else item.line
    for i, line in enumerate(value.split("\n")):
        yield (start + i if literal else item.key_lines.get(key, item.line)), line


def nlu_items(path: Path, root: Path = ROOT) -> List[LineDict]:
    data = load_yaml(path, root) or {}
    items = data.get("nlu") if isinstance(data, dict) else None
    return [i for i in (items or []) if isinstance(i, dict)]


def examples_in(
    path: Path, root: Path = ROOT, bad: Optional[List[BadLine]] = None
) -> List[Example]:
    """Every intent example in an NLU file, with its line. Lines in an examples block that do not start
    with '- ' go to `bad` (if given)."""
    out: List[Example] = []
    for item in nlu_items(path, root):
        intent = item.get("intent")
        if not isinstance(intent, str):
            continue
        for line_no, line in block_lines(item, "examples"):
            s = line.strip()
            if not s:
                continue
            # Rasa keeps only lines that start with '-' at the block's own indentation
            # (rasa_yaml._parse_multiline_example), so a deeper one is silently skipped.
            if s.startswith("-") and not line.startswith("-"):
                if bad is not None:
                    bad.append(BadLine(path, line_no, s, indented=True))
                continue
            if s.startswith("- "):
                out.append(Example(intent, s[2:].strip(), path, line_no))
            elif s == "-":
                continue
            elif bad is not None:
                bad.append(BadLine(path, line_no, s))
    return out


def nlu_files(root: Path) -> List[Path]:
    return (
        sorted((root / "data" / "nlu").rglob("*.yml")) if (root / "data" / "nlu").is_dir() else []
    )


def training_examples(root: Path, bad: Optional[List[BadLine]] = None) -> List[Example]:
    out: List[Example] = []
    for p in nlu_files(root):
        out.extend(examples_in(p, root, bad))
    return out


def heldout_path(root: Path) -> Path:
    return root / "tests" / "nlu" / "heldout.yml"


# ---------------------------------------------------------------- rules, stories, conversation tests


@dataclass(frozen=True)
class Step:
    kind: str  # "intent" or "action"
    name: str
    path: Path
    line: int
    text: Optional[str] = None  # the user's text (conversation tests)


@dataclass(frozen=True)
class Flow:
    """A rule, story or conversation test: its name and steps."""

    name: str
    path: Path
    line: int
    steps: Tuple[Step, ...]


def flows_in(path: Path, root: Path = ROOT) -> List[Flow]:
    data = load_yaml(path, root) or {}
    if not isinstance(data, dict):
        return []
    out: List[Flow] = []
    for key in ("rules", "stories"):
        for entry in data.get(key) or []:
            if not isinstance(entry, dict):
                continue
            name = str(entry.get("rule") or entry.get("story") or "?")
            steps: List[Step] = []
            raw_steps = entry.get("steps") or []
            for step in raw_steps:
                if not isinstance(step, dict):
                    continue
                line = step.line if isinstance(step, LineDict) else entry.line
                if "intent" in step:
                    text = step.get("user")
                    steps.append(
                        Step(
                            "intent",
                            str(step["intent"]),
                            path,
                            line,
                            str(text).strip() if text is not None else None,
                        )
                    )
                elif "action" in step:
                    steps.append(Step("action", str(step["action"]), path, line))
            out.append(Flow(name, path, entry.line, tuple(steps)))
    return out


def yml_under(root: Path, *parts: str) -> List[Path]:
    base = root.joinpath(*parts)
    return sorted(base.rglob("*.yml")) if base.is_dir() else []


def domain(root: Path) -> LineDict:
    data = load_yaml(root / "domain.yml", root)
    return data if isinstance(data, dict) else LineDict()


def domain_intents(dom: Dict[str, Any]) -> List[str]:
    out = []
    for i in dom.get("intents") or []:
        out.append(next(iter(i)) if isinstance(i, dict) else str(i))
    return out


def domain_entities(dom: Dict[str, Any]) -> List[str]:
    return [next(iter(e)) if isinstance(e, dict) else str(e) for e in dom.get("entities") or []]


def domain_actions(dom: Dict[str, Any]) -> List[str]:
    return (
        [str(a) for a in dom.get("actions") or []]
        + list((dom.get("responses") or {}).keys())
        + list((dom.get("forms") or {}).keys())
    )  # a form is an action too (issue 13)


def parse_payload(payload: str) -> Tuple[Optional[str], Dict[str, Any]]:
    """'/ask_onset{"subject": "prodrome"}' -> ("ask_onset", {"subject": "prodrome"})."""
    import json

    m = re.match(r"^/([A-Za-z0-9_\-]+)(\{.*\})?$", payload.strip())
    if not m:
        return None, {}
    ents: Dict[str, Any] = {}
    if m.group(2):
        try:
            ents = json.loads(m.group(2))
        except ValueError:
            return m.group(1), {"__invalid__": m.group(2)}
    return m.group(1), ents
