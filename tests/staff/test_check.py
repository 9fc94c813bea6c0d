"""`make check`: each rule catches the mistake it claims to catch, with a plain-words message naming the
file and line; the project as it is passes; the guide's worked example passes."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest
import yaml

from ops.settings import ROOT
from staff import check
from staff.yaml_lines import training_examples
from tests.conftest import line_of, replace
from tests.staff import worked_example as wx


def errors(root: Path) -> List[str]:
    return check.run(root).errors


def one_matching(messages: List[str], pattern: str) -> str:
    hits = [m for m in messages if re.search(pattern, m, re.S)]
    assert hits, f"no message matches {pattern!r}; got:\n" + "\n".join(messages)
    return hits[0]


# ---------------------------------------------------------------- the project as it is


def test_the_project_passes(project: Path) -> None:
    # How long it takes is measured, not asserted: docs/staff-guide.md "Measured times".
    start = time.monotonic()
    report = check.run(project)
    took = time.monotonic() - start
    assert report.errors == [], "\n".join(report.errors)
    print(f"make check (project rules): {took:.1f}s")


def test_make_check_passes_on_the_project_including_rasa_validate() -> None:
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "staff.check"], cwd=ROOT, capture_output=True, text=True
    )
    took = time.monotonic() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "make check: OK" in proc.stdout
    print(f"make check with rasa data validate: {took:.1f}s")


def test_exit_code_is_non_zero_on_an_error(project: Path) -> None:
    replace(
        project / "content" / "answers.yml", "    title: Auras\n", "    title: Auras: the basics\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "staff.check", "--root", str(project), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "ERROR    content/answers.yml line" in proc.stdout
    assert "problem to fix" in proc.stdout


# ---------------------------------------------------------------- YAML syntax


def test_yaml_mistake_names_the_file_and_line(project: Path) -> None:
    path = project / "content" / "answers.yml"
    replace(path, "    title: Auras\n", "    title: Auras: the basics\n")
    line = line_of(path, "title: Auras: the basics")
    msg = one_matching(
        errors(project), rf"^content/answers.yml line {line}, column \d+: this is not valid YAML"
    )
    assert "in quotes" in msg


def test_bad_indentation_in_training_data_names_the_file_and_line(project: Path) -> None:
    path = project / "data" / "nlu" / "aura.yml"
    text = (
        path.read_text().rstrip("\n")
        + "\n  - intent: ask_aura\n examples: |\n    - what is aura stuff\n"
    )
    path.write_text(text)
    one_matching(
        errors(project), r"^data/nlu/aura.yml line \d+(, column \d+)?: this is not valid YAML"
    )


def test_tab_is_reported(project: Path) -> None:
    path = project / "data" / "rules" / "migraine.yml"
    replace(path, "      - action: action_answer_topic", "\t- action: action_answer_topic")
    line = line_of(path, "\t- action")
    one_matching(
        errors(project), rf"^data/rules/migraine.yml line {line}: there is a Tab character"
    )


def test_a_name_written_twice_is_reported(project: Path) -> None:
    path = project / "content" / "clinic.yml"
    text = path.read_text()
    path.write_text(text.replace("clinic:\n", 'clinic:\n  phone: "(555) 010-1234"\n', 1))
    one_matching(
        errors(project), r"^content/clinic.yml line \d+: 'phone' appears twice in the same block"
    )


def test_other_checks_wait_for_readable_files(project: Path) -> None:
    replace(project / "domain.yml", "intents:", "intents:\n  - ask_aura: [")
    report = check.run(project)
    assert len(report.errors) == 1 and report.errors[0].startswith("domain.yml line")


# ---------------------------------------------------------------- content


def test_content_validation_runs(project: Path) -> None:
    path = project / "content" / "answers.yml"
    long_text = "An aura is " + "very " * 70 + "long."
    replace(
        path,
        '      - "Aura symptoms usually start gradually',
        f'      - "{long_text}"\n      - "Aura symptoms usually start gradually',
    )
    one_matching(
        errors(project),
        r"content/answers.yml line \d+: topic 'aura', messages, message \d+ is \d+ characters long; keep each message under 320",
    )


def test_placeholders_are_warnings_not_errors(project: Path) -> None:
    report = check.run(project)
    clinic = project / "content" / "clinic.yml"
    if "REPLACE-ME" in clinic.read_text():
        line = next(
            n
            for n, l in enumerate(clinic.read_text().split("\n"), 1)
            if "REPLACE-ME" in l.split("#")[0]
        )
        one_matching(
            report.warnings,
            rf"^content/clinic.yml line {line}: '[a-z_.]+' still holds a REPLACE-ME placeholder",
        )
    assert not report.errors
    clinic.write_text(
        clinic.read_text().replace("REPLACE-ME ", "").replace("REPLACE-ME", "riverside")
    )
    assert not [w for w in check.run(project).warnings if "REPLACE-ME" in w]


# ---------------------------------------------------------------- consistency rules


def test_topic_without_a_question(project: Path) -> None:
    wx.apply(
        project,
        skip=(
            "domain.yml",
            "data/nlu/ketamine.yml",
            "data/rules/ketamine.yml",
            "tests/conversations/test_topics.yml",
            "tests/nlu/heldout.yml",
        ),
    )
    line = line_of(project / "content" / "answers.yml", f"  {wx.TOPIC}:")
    one_matching(
        errors(project),
        rf"^content/answers.yml line {line}: the topic '{wx.TOPIC}' has no question "
        rf"\(intent\) that leads to it",
    )


def test_question_without_content(project: Path) -> None:
    wx.apply(project, skip=("content/answers.yml",))
    one_matching(
        errors(project),
        rf"the question\(s\) {wx.INTENT} lead to the topic '{wx.TOPIC}', which has no "
        "answer in content/answers.yml",
    )


def test_too_few_examples(project: Path) -> None:
    wx.apply(project, skip=("data/nlu/ketamine.yml",))
    three = "\n".join(wx.NLU.snippet.rstrip("\n").split("\n")[:6]) + "\n"
    wx.apply_step(project, wx.NLU, three)
    one_matching(
        errors(project),
        rf"^domain.yml line \d+: the intent '{wx.INTENT}' has only 3 examples in data/nlu; "
        "give it at least 10",
    )


def test_intent_missing_from_the_domain(project: Path) -> None:
    wx.apply(project, skip=("domain.yml",))
    one_matching(
        errors(project),
        rf"^data/nlu/ketamine.yml line \d+: the intent '{wx.INTENT}' is not listed under "
        "'intents:' in domain.yml",
    )


def test_question_without_a_rule(project: Path) -> None:
    wx.apply(project, skip=("data/rules/ketamine.yml",))
    one_matching(
        errors(project),
        rf"^domain.yml line \d+: the intent '{wx.INTENT}' has no rule or story.*"
        rf"- action: action_answer_topic",
    )


def test_rule_with_the_wrong_action(project: Path) -> None:
    wx.apply(project, skip=("data/rules/ketamine.yml",))
    wx.apply_step(
        project, wx.RULE, wx.RULE.snippet.replace("action_answer_topic", "action_show_topics")
    )
    one_matching(
        errors(project),
        rf"the intent '{wx.INTENT}' leads to a topic in content/answers.yml, but no rule "
        "or story answers it with action_answer_topic",
    )


def test_question_without_a_conversation_test(project: Path) -> None:
    wx.apply(project, skip=("tests/conversations/test_topics.yml",))
    one_matching(
        errors(project),
        rf"the intent '{wx.INTENT}' has no conversation test. Add one to "
        "tests/conversations/test_topics.yml",
    )


def test_intent_without_held_out_phrases(project: Path) -> None:
    wx.apply(project, skip=("tests/nlu/heldout.yml",))
    one_matching(
        errors(project), rf"^tests/nlu/heldout.yml: the intent '{wx.INTENT}' has 0 test phrases"
    )


def test_the_guides_worked_example_passes(project: Path) -> None:
    wx.apply(project)
    report = check.run(project)
    assert report.errors == [], "\n".join(report.errors)


def test_typo_in_a_rule(project: Path) -> None:
    path = project / "data" / "rules" / "migraine.yml"
    replace(path, "      - intent: ask_aura\n", "      - intent: ask_auraa\n")
    replace(path, "      - action: action_answer_topic\n", "      - action: action_answer_topics\n")
    errs = errors(project)
    one_matching(
        errs,
        rf"^data/rules/migraine.yml line {line_of(path, 'ask_auraa')}: the rule '[^']+' uses the "
        "intent 'ask_auraa', which is not in domain.yml",
    )
    one_matching(
        errs,
        r"^data/rules/migraine.yml line \d+: the rule '[^']+' uses the action 'action_answer_topics', "
        "which is not in domain.yml",
    )


def test_example_duplicated_across_intents(project: Path) -> None:
    aura = next(
        e for e in training_examples(project) if e.intent == "ask_aura" and "[" not in e.text
    )
    path = project / "data" / "nlu" / "prodrome.yml"
    path.write_text(
        path.read_text().rstrip("\n")
        + f"\n- intent: ask_prodrome\n  examples: |\n    - {aura.text.upper()}\n"
    )
    line = line_of(path, aura.text.upper())
    msg = one_matching(errors(project), rf"^data/nlu/prodrome.yml line {line}: the example ")
    assert msg == (
        f"data/nlu/prodrome.yml line {line}: the example '{aura.text.upper()}' is also under ask_aura in "
        f"{aura.path.relative_to(project)} line {aura.line}; keep it under one intent (the one it really asks)."
    )


def test_example_copied_from_the_held_out_set(project: Path) -> None:
    held = yaml.safe_load((project / "tests" / "nlu" / "heldout.yml").read_text())["nlu"]
    item = next(i for i in held if i.get("intent") == "ask_aura")
    phrase = next(
        l[2:].strip() for l in item["examples"].splitlines() if l.startswith("- ") and "[" not in l
    )
    path = project / "data" / "nlu" / "aura.yml"
    path.write_text(
        path.read_text().rstrip("\n") + f"\n- intent: ask_aura\n  examples: |\n    - {phrase}\n"
    )
    heldout_line = line_of(project / "tests" / "nlu" / "heldout.yml", phrase)
    one_matching(
        errors(project),
        rf"^tests/nlu/heldout.yml line {heldout_line}: the test phrase '{re.escape(phrase)}' "
        rf"is also a training example in data/nlu/aura.yml line {line_of(path, '- ' + phrase)}",
    )


def test_example_line_without_a_dash(project: Path) -> None:
    path = project / "data" / "nlu" / "aura.yml"
    path.write_text(
        path.read_text().rstrip("\n")
        + "\n- intent: ask_aura\n  examples: |\n    - aura pls\n    aura info pls\n"
    )
    one_matching(
        errors(project),
        rf"^data/nlu/aura.yml line {line_of(path, '    aura info pls')}: every example must "
        "start with '- '",
    )


def test_button_to_an_unknown_intent(project: Path) -> None:
    path = project / "domain.yml"
    replace(
        path,
        "responses:\n",
        'responses:\n  utter_more:\n    - text: "More?"\n      buttons:\n'
        "        - title: Auras\n          payload: /ask_auras\n",
    )
    one_matching(
        errors(project),
        r"^domain.yml line \d+ \(response utter_more\): the button '/ask_auras' sends the "
        "intent 'ask_auras', which is not in domain.yml",
    )


def test_every_topic_button_leads_to_its_topic(project: Path) -> None:
    """The real buttons (actions/topics.py TOPIC_REQUESTS) pass; a wrong one is caught."""
    content = check.check_content(project, check.Report(project))
    answers, table = check.load_topic_logic(content)
    p = check.read_project(project)
    report = check.Report(project)
    check.check_buttons(p, report, content, answers, table)
    assert report.errors == []

    class Wrong:
        TOPIC_REQUESTS = {
            **table.TOPIC_REQUESTS,
            "aura": "/ask_prodrome",
            "postdrome": "/ask_post_drome",
        }
        MENU = table.MENU

    check.check_buttons(p, report, content, answers, Wrong)
    one_matching(
        report.errors,
        r"the button for the topic 'aura' sends '/ask_prodrome', which leads to 'prodrome'",
    )
    one_matching(
        report.errors,
        r"the button '/ask_post_drome' sends the intent 'ask_post_drome', which is not in",
    )


def test_red_flag_phrase_that_no_longer_triggers(project: Path) -> None:
    """A conversation test says a phrase must get the emergency reply; if the red-flag rules stop catching
    it (here: a phrase they never caught), make check says so."""
    path = project / "tests" / "conversations" / "test_safety.yml"
    path.write_text(
        path.read_text().rstrip("\n") + "\n\n  - story: canary\n    steps:\n      - user: |\n"
        "          my migraine feels a bit different today\n        intent: emergency\n"
        "      - action: action_emergency\n"
    )
    line = line_of(path, "my migraine feels a bit different today") - 1
    one_matching(
        errors(project),
        rf"^tests/conversations/test_safety.yml line {line}: the red-flag phrase 'my migraine "
        "feels a bit different today' no longer triggers the emergency reply",
    )


def test_every_red_flag_phrase_triggers_now(project: Path) -> None:
    canaries = check.safety_canaries(project)
    assert len([c for c in canaries if c[1] == "emergency"]) >= 5
    assert [c for c in canaries if c[1] == "crisis"]
    assert not [e for e in errors(project) if "red-flag phrase" in e]


def test_red_flag_examples_in_the_rules_file_are_canaries(project: Path) -> None:
    flags = project / "safety" / "red_flags.yml"
    if not flags.exists():
        pytest.skip("safety/red_flags.yml not written yet")
    from_rules = [
        c for c in check.safety_canaries(project) if c[2].startswith("safety/red_flags.yml")
    ]
    if not from_rules:
        pytest.skip("safety/red_flags.yml has no examples")
    assert not [
        e
        for e in errors(project)
        if e.startswith("safety/red_flags.yml") and "red-flag phrase" in e
    ]


def test_training_example_caught_by_the_red_flag_rules_is_a_warning(project: Path) -> None:
    phrase = next(c[0] for c in check.safety_canaries(project) if c[1] == "emergency")
    path = project / "data" / "nlu" / "attack.yml"
    path.write_text(
        path.read_text().rstrip("\n")
        + f"\n- intent: ask_attack_symptoms\n  examples: |\n    - {phrase} xyz\n"
    )
    report = check.run(project)
    one_matching(
        report.warnings,
        r"^data/nlu/attack.yml line \d+: the example .* is caught by the red-flag rules",
    )


def test_a_new_topic_needs_no_code_change(project: Path) -> None:
    """A staff member following the guide adds a topic without touching Python: the assistant's code must
    send an intent named ask_<topic> to the topic <topic> (actions/answers.py topic_of_intent)."""
    wx.apply(project)
    content = check.check_content(project, check.Report(project))
    answers, _ = check.load_topic_logic(content)
    assert answers.choose_topic(content, wx.INTENT, [], [], None) == wx.TOPIC
    assert errors(project) == []


# ---------------------------------------------------------------- issue 14 item 4: mistakes a nurse made


def test_example_indented_deeper_than_its_siblings_is_reported(project: Path) -> None:
    # YAML keeps it, but Rasa only reads lines that start with '-' at the block's indentation.
    path = project / "data" / "nlu" / "postdrome.yml"
    replace(path, "    - migraine hangover\n", "      - migraine hangover\n")
    line = line_of(path, "      - migraine hangover")
    msg = one_matching(errors(project), rf"^data/nlu/postdrome.yml line {line}: ")
    assert "indented further" in msg and "Rasa silently skips it" in msg
    assert "'- migraine hangover'" in msg


def test_unclosed_quote_points_at_the_line_where_it_opens(project: Path) -> None:
    path = project / "content" / "answers.yml"
    replace(path, "    title: Auras\n", '    title: "Auras\n')
    line = line_of(path, 'title: "Auras')
    msg = one_matching(errors(project), r"quote mark")
    assert msg.startswith(f"content/answers.yml line {line}: a quote mark opened on this line")


def test_unclosed_quote_at_the_end_of_a_file_points_at_its_line(project: Path) -> None:
    path = project / "content" / "callback.yml"
    replace(
        path, 'ask_time: "When is the best time to call you?"', 'ask_time: "When is the best time'
    )
    line = line_of(path, 'ask_time: "When is the best time')
    one_matching(errors(project), rf"^content/callback.yml line {line}: a quote mark opened")


def test_content_error_in_the_answers_names_the_line(project: Path) -> None:
    path = project / "content" / "answers.yml"
    long_text = "An aura is " + "very " * 70 + "long."
    replace(
        path,
        '      - "Aura symptoms usually start gradually',
        f'      - "{long_text}"\n      - "Aura symptoms usually start gradually',
    )
    line = line_of(path, long_text)
    one_matching(
        errors(project),
        rf"^content/answers.yml line {line}: topic 'aura', messages, message \d+ is",
    )


def test_content_error_in_the_clinic_details_names_the_line(project: Path) -> None:
    path = project / "content" / "clinic.yml"
    replace(path, '  number: "911"', '  number: "nine one one"')
    line = line_of(path, '  number: "nine one one"')
    one_matching(errors(project), rf"^content/clinic.yml line {line}: ")


def test_typo_in_an_intent_name_suggests_the_nearest(project: Path) -> None:
    path = project / "data" / "rules" / "migraine.yml"
    replace(path, "      - intent: ask_postdrome", "      - intent: ask_postdrom")
    line = line_of(path, "- intent: ask_postdrom")
    msg = one_matching(errors(project), rf"^data/rules/migraine.yml line {line}: .*ask_postdrom'")
    assert "Did you mean ask_postdrome?" in msg
    topic = one_matching(errors(project), r"lead to the topic 'postdrom',")
    assert "Did you mean postdrome?" in topic


def test_typo_in_a_training_file_suggests_the_nearest(project: Path) -> None:
    path = project / "data" / "nlu" / "postdrome.yml"
    replace(path, "- intent: ask_postdrome\n", "- intent: ask_postdrme\n")
    msg = one_matching(
        errors(project), r"^data/nlu/postdrome.yml line \d+: the intent 'ask_postdrme'"
    )
    assert "Did you mean ask_postdrome?" in msg


def test_a_name_far_from_every_intent_gets_no_suggestion(project: Path) -> None:
    path = project / "data" / "rules" / "migraine.yml"
    replace(path, "      - intent: ask_postdrome", "      - intent: zzz_unrelated")
    msg = one_matching(errors(project), r"'zzz_unrelated'")
    assert "Did you mean" not in msg


def _make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_make_check_failure_ends_with_the_summary_and_no_make_noise(project: Path) -> None:
    replace(project / "data" / "rules" / "migraine.yml", "intent: ask_postdrome", "intent: ask_x")
    proc = _make("check", "QUICK=1", f"CHECK_ROOT={project}")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "make:" not in out and "Error 1" not in out, out
    assert re.match(r"make check: \d+ problems? to fix", proc.stdout.rstrip().splitlines()[-1])
    assert "ERROR    data/rules/migraine.yml line" in proc.stdout


def test_make_help_lists_every_staff_command() -> None:
    listed = set(re.findall(r"^  make (\S+)", _make("help").stdout, re.M))
    verbs = {"run", "test", "quick", "check", "train", "publish", "review", "add-examples"}
    verbs |= {"callbacks", "purge", "run-cluster", "bench"}
    assert verbs <= listed, sorted(verbs - listed)


def test_a_red_flag_rules_mistake_is_a_message_not_a_stack_trace(monkeypatch) -> None:
    import safety.rules
    from staff import check

    def broken() -> None:
        raise safety.rules.SafetyRulesError(
            "safety/red_flags.yml: flags[0] (thunderclap_headache): the note has no 'source'."
        )

    monkeypatch.setattr(safety.rules, "rules", broken)
    report = check.Report(root=check.ROOT)
    check.check_red_flags(None, report)  # type: ignore[arg-type]
    assert len(report.errors) == 1
    assert "thunderclap_headache" in report.errors[0] and "must not go live" in report.errors[0]
