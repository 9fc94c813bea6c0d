"""The content loader: the real content files load; each kind of staff mistake is refused with a
message that says what to fix; the store serves the published version, follows the pointer to a new
one, and keeps the version in use when the new one cannot be loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from actions.content import (
    CONTENT_DIR,
    MAX_BUBBLE_CHARS,
    MAX_BUBBLES,
    POINTER,
    RELEASE_FILES,
    REQUIRED_TOPICS,
    ContentError,
    ContentStore,
    go_live_problems,
    load,
)


@pytest.fixture()
def content_dir(tmp_path: Path) -> Path:
    for name in RELEASE_FILES:
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    return tmp_path


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_real_content_loads_with_every_required_topic() -> None:
    content = load()
    assert set(REQUIRED_TOPICS) <= set(content.topics)
    for topic in content.topics.values():
        assert topic.source_section and topic.messages
        assert all(len(m) <= MAX_BUBBLE_CHARS for m in topic.messages)


def test_symptoms_map_to_their_topics() -> None:
    content = load()
    assert content.symptom_owner("tingling") == "aura"
    assert content.symptom_owner("yawning") == "prodrome"
    assert content.symptom_owner("nausea_vomiting") == "attack_symptoms"
    assert content.symptom_owner("confusion") == "postdrome"
    assert content.symptom_owner("nonsense") is None


def test_replies_are_filled_with_the_clinic_details() -> None:
    content = load()
    text = " ".join(content.reply("clinician"))
    assert content.clinic.phone in text and content.clinic.booking_url in text
    assert "{" not in " ".join(content.reply("emergency"))


def test_placeholders_are_reported() -> None:
    """Issue 11.6: name and phone_tel too, so the call button cannot silently dial the demo number."""
    placeholders = load().clinic.placeholders()
    for name in (
        "clinic.name",
        "clinic.phone",
        "clinic.phone_tel",
        "clinic.hours",
        "clinic.booking_url",
        "session.length",
        "session.eating",
        "session.driving",
    ):
        assert name in placeholders


def test_a_marked_phone_tel_still_dials_digits() -> None:
    clinic = load().clinic
    assert clinic.phone_tel == "+15550100000" and "REPLACE" not in clinic.name


def fill_in_clinic(content_dir: Path) -> None:
    def real(d):
        d["clinic"].update(
            name="Riverside Migraine Clinic",
            phone="(555) 010-2233",
            phone_tel="+15550102233",
            hours="Mon-Fri 8am-6pm",
            booking_url="https://riverside.example/book",
        )
        d["session"].update(
            length="The drip takes about 40 minutes.",
            eating="Eat a light meal up to 4 hours before.",
            driving="Bring someone to drive you home.",
        )

    edit(content_dir / "clinic.yml", real)


def test_filled_in_clinic_has_no_placeholders(content_dir: Path) -> None:
    fill_in_clinic(content_dir)
    assert load(content_dir).clinic.placeholders() == []
    assert go_live_problems(content_dir, env={}) == ([], [])


def test_phone_and_phone_tel_must_be_the_same_number(content_dir: Path) -> None:
    fill_in_clinic(content_dir)
    edit(content_dir / "clinic.yml", lambda d: d["clinic"].update(phone_tel="+15550109999"))
    with pytest.raises(ContentError, match="'phone' .* and 'phone_tel' .* are not the same number"):
        load(content_dir)


def test_phone_tel_may_add_the_country_code(content_dir: Path) -> None:
    fill_in_clinic(content_dir)
    edit(
        content_dir / "clinic.yml",
        lambda d: d["clinic"].update(phone="555-010-2233", phone_tel="5550102233"),
    )
    assert load(content_dir).clinic.phone_tel == "5550102233"


def test_go_live_refuses_placeholders_unless_explicitly_allowed() -> None:
    problems, warnings = go_live_problems(CONTENT_DIR, env={})
    assert len(problems) == 1 and "clinic.phone_tel" in problems[0] and "clinic.name" in problems[0]
    assert not warnings
    problems, warnings = go_live_problems(CONTENT_DIR, env={"CLINIC_ALLOW_PLACEHOLDERS": "1"})
    assert not problems and "never in production" in warnings[0]


def test_missing_topic_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["topics"].pop("aura"))
    with pytest.raises(ContentError, match="topics are missing.*aura"):
        load(content_dir)


def test_yaml_syntax_error_names_the_line(content_dir: Path) -> None:
    path = content_dir / "answers.yml"
    lines = path.read_text().splitlines()
    lines[20] = "   broken: [unclosed"
    path.write_text("\n".join(lines))
    with pytest.raises(ContentError, match=r"line \d+"):
        load(content_dir)


def test_too_long_message_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"]["messages"].append("x" * 400))
    with pytest.raises(ContentError, match="characters long"):
        load(content_dir)


def test_unknown_placeholder_is_refused(content_dir: Path) -> None:
    edit(
        content_dir / "answers.yml",
        lambda d: d["replies"]["clinician"]["messages"].append("Call {phone_number}"),
    )
    with pytest.raises(ContentError, match=r"\{phone_number\} is not a field"):
        load(content_dir)


def test_bad_date_is_refused(content_dir: Path) -> None:
    edit(
        content_dir / "answers.yml",
        lambda d: d["topics"]["aura"].update(last_reviewed="last tuesday"),
    )
    with pytest.raises(ContentError, match="YYYY-MM-DD"):
        load(content_dir)


def test_missing_field_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"].pop("source_section"))
    with pytest.raises(ContentError, match="no 'source_section'"):
        load(content_dir)


def test_reply_without_a_source_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["replies"]["crisis"].pop("source_section"))
    with pytest.raises(ContentError, match="reply 'crisis' has no 'source_section'"):
        load(content_dir)


def test_reply_written_as_a_bare_list_is_refused_for_its_missing_source(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["replies"].update(greet=["Hi!"]))
    with pytest.raises(ContentError, match="reply 'greet' has no 'source_section'"):
        load(content_dir)


def test_escalation_reason_without_a_source_is_refused(content_dir: Path) -> None:
    edit(
        content_dir / "answers.yml",
        lambda d: d["escalation_reasons"]["ask_cost"].pop("source_section"),
    )
    with pytest.raises(ContentError, match="escalation_reasons 'ask_cost' has no 'source_section'"):
        load(content_dir)


def test_symptom_line_with_its_own_source_keeps_it_and_others_inherit() -> None:
    aura = load().topics["aura"]
    assert "ICHD-3" in aura.detail_sources["jerking"].source
    assert "tingling" not in aura.detail_sources  # shares the topic's source
    labels = {label: prov for label, _, prov in load().texts()}
    assert labels["topic aura, detail tingling"] == aura.provenance
    assert all(prov.source and prov.reviewed for prov in labels.values())


def test_more_than_three_bubbles_at_once_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"]["messages"].append("One more."))
    with pytest.raises(ContentError, match=f"at most {MAX_BUBBLES} chat bubbles.*'more:'"):
        load(content_dir)


def test_content_version_changes_with_the_text(content_dir: Path) -> None:
    before = load(content_dir).version
    assert before == load(content_dir).version and len(before) == 12
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"].update(title="About auras"))
    assert load(content_dir).version != before


def test_bad_emergency_number_is_refused(content_dir: Path) -> None:
    edit(content_dir / "clinic.yml", lambda d: d["emergency"].update(number="nine one one"))
    with pytest.raises(ContentError, match="digits only"):
        load(content_dir)


def test_missing_reply_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["replies"].pop("emergency"))
    with pytest.raises(ContentError, match="replies are missing: emergency"):
        load(content_dir)


@pytest.fixture()
def releases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty release store of this test's own (staff/content_release.py publishes into it)."""
    path = tmp_path / "releases"
    monkeypatch.setenv("CLINIC_CONTENT_RELEASES", str(path))
    monkeypatch.setenv("CLINIC_ALLOW_PLACEHOLDERS", "1")  # the demo clinic details
    return path


def test_store_follows_the_published_version_and_keeps_it_when_one_is_broken(
    content_dir: Path, releases: Path
) -> None:
    from staff.content_release import publish

    publish("test", content_dir)
    store = ContentStore(releases, check_every=0.0)
    assert store.get().topics["aura"].title == "Auras"
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"].update(title="About auras"))
    assert store.get().topics["aura"].title == "Auras"  # saved is not published
    publish("test", content_dir)
    assert store.get().topics["aura"].title == "About auras"
    # A pointer to a version that cannot be loaded (never written by a publish): the version in use
    # stays live.
    (releases / POINTER).write_text("v9\n")
    assert store.get().topics["aura"].title == "About auras"
    assert store.last_error and "v9" in store.last_error
    (releases / POINTER).write_text("v1\n")
    assert store.get().topics["aura"].title == "Auras" and store.last_error is None


def test_store_checks_the_pointer_at_most_every_interval(content_dir: Path, releases: Path) -> None:
    from staff.content_release import publish

    publish("test", content_dir)
    store = ContentStore(releases, check_every=3600)
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"].update(title="Changed"))
    publish("test", content_dir)
    assert store.get().topics["aura"].title == "Auras"
    assert store.reload() and store.get().topics["aura"].title == "Changed"


def test_content_makes_no_outcome_or_safety_promise() -> None:
    """HAZ-07/HAZ-09: the page's study figure is not presented as a typical outcome, side effects are
    not presented as negligible, and the side-effects answer names dissociation and sends to a clinician."""
    content = load()
    everything = " ".join(m for t in content.topics.values() for m in t.messages).lower()
    for overclaim in ("3.4", "9 or 10", "very low reports", "no side effects", "guarantee", "cure"):
        assert overclaim not in everything, overclaim
    side_effects = " ".join(content.topics["ketamine_side_effects"].messages).lower()
    assert "dissociation" in side_effects and "clinician" in side_effects
    helps = " ".join(content.topics["ketamine_how_it_helps"].messages).lower()
    assert "no one can promise" in helps
    for advice in ("you should take", "increase your dose", "stop taking"):
        assert advice not in everything


# ---------------------------------------------------------------- issue 11: clinically sound answers

CONTENT = load()


def all_text(topic_id: str, with_more: bool = True) -> str:
    t = CONTENT.topics[topic_id]
    return " ".join(t.messages + (t.more if with_more else ()) + tuple(t.details.values())).lower()


def test_aura_topics_put_the_emergency_line_before_anything_else() -> None:
    for topic_id in ("aura", "aura_duration"):
        assert CONTENT.topics[topic_id].warning == "aura_warning", topic_id
    warning = " ".join(CONTENT.reply("aura_warning")).lower()
    assert warning.startswith(f"call {CONTENT.clinic.emergency_number} now")
    for sign in ("new", "sudden", "weakness on one side", "trouble speaking", "more than an hour"):
        assert sign in warning, sign


def test_aura_follows_ichd3_not_the_page() -> None:
    aura = all_text("aura") + " " + all_text("aura_duration")
    assert "20 minutes to an hour" not in aura
    assert "5 to 60 minutes" in aura
    details = CONTENT.topics["aura"].details
    assert (
        "not part of an aura" in details["jerking"].lower()
        and "seizure" in details["jerking"].lower()
    )
    assert "not a usual migraine aura" in details["hearing"].lower()
    assert (
        "stroke" in details["numbness_weakness"].lower()
        and "not an ordinary aura" in details["numbness_weakness"]
    )
    for line in (details["jerking"], details["hearing"]):
        assert "can be part of an aura" not in line.split(".")[0].lower()
    listed = CONTENT.topics["aura"].messages[0].lower()
    assert "jerking" not in listed and "music" not in listed and "weakness" not in listed


def test_long_or_changed_attacks_point_to_care() -> None:
    text = all_text("attack_duration")
    assert "4 hours to 3 days" in text
    assert "more than 3 days" in text and "urgent care" in text
    assert "change" in text and "{phone}" in text
    assert "{phone}" in all_text("attack_frequency")


EFFICACY_WORDS = ("relief", "help", "evidence", "studies", "works", "worked")


def test_every_ketamine_answer_about_benefit_says_off_label_and_what_that_means() -> None:
    checked = []
    for topic in CONTENT.topics.values():
        text = " ".join(topic.messages).lower()
        if topic.id.startswith("ketamine") and any(w in text for w in EFFICACY_WORDS):
            checked.append(topic.id)
            assert "off-label" in text and "not approved for migraine" in text, topic.id
    assert {"ketamine_how_it_helps", "ketamine_speed", "ketamine_relief_duration"} <= set(checked)
    for topic_id in (
        "ketamine_what",
        "ketamine_vs_antidepressants",
    ):  # they name ketamine as a treatment
        assert "off-label" in all_text(topic_id) and "not approved for migraine" in all_text(
            topic_id
        ), topic_id


def test_ketamine_is_described_as_an_anesthetic_drip_and_a_controlled_drug() -> None:
    text = all_text("ketamine_what")
    assert "anesthesia" in text and "drip into a vein" in text and "controlled drug" in text


def test_evidence_is_described_honestly() -> None:
    text = all_text("ketamine_how_it_helps")
    assert "small" in text and "no comparison group" in text and "placebo" in text
    assert "no one can promise" in text
    everything = " ".join(all_text(t) for t in CONTENT.topics)
    for claim in (
        "strong evidence",
        "3.4",
        "9 or 10",
        "good response",
        "positive response",
        "aids your treatment",
        "very low reports",
        "most popular",
    ):
        assert claim not in everything, claim


def test_side_effects_list_the_known_risks() -> None:
    text = all_text("ketamine_side_effects")
    for risk in (
        "blood pressure",
        "feeling sick",
        "dizziness",
        "blurred vision",
        "dissociation",
        "misuse",
        "dependence",
        "bladder",
        "fda",
        "2023",
    ):
        assert risk in text, risk
    assert "no good evidence that it means the treatment is working" in text


def test_addiction_and_bladder_are_answered_directly() -> None:
    assert CONTENT.topics["ketamine_addiction"].messages[0].startswith("Yes")
    assert "dependence" in all_text("ketamine_addiction") and "controlled drug" in all_text(
        "ketamine_addiction"
    )
    assert CONTENT.topics["ketamine_bladder"].messages[0].startswith("Yes")
    assert "blood in your pee" in all_text("ketamine_bladder")


def test_amitriptyline_is_a_preventive_judged_over_weeks_not_a_speed_race() -> None:
    text = all_text("ketamine_vs_antidepressants")
    assert "amitriptyline" in text and "prevent" in text and "6 to 12 weeks" in text
    assert "tricyclic: an older type of antidepressant" in text
    assert "not a race" in text
    for race in ("at least a week", "four weeks", "within hours"):
        assert race not in text, race
    assert "antidepressant" not in all_text("ketamine_speed")


def test_a_clinician_line_always_gives_the_phone() -> None:
    for label, texts, _ in CONTENT.texts():
        for text in texts:
            if "clinician can" in text.lower() or "tell the clinician" in text.lower():
                assert "{phone}" in text, label


def test_escalation_wording_fits_each_reason() -> None:
    generic = "look at your own situation"
    for reason in ("ask_cost", "ask_booking", "request_human"):
        text = " ".join(CONTENT.escalation_reasons[reason])
        assert generic not in text and "{phone}" in text, reason
    assert "prices" in " ".join(CONTENT.escalation_reasons["ask_cost"])
    assert "{booking_url}" in CONTENT.escalation_reasons["ask_booking"][0]
    assert "our team" in " ".join(CONTENT.escalation_reasons["request_human"])
    assert "{phone}" in " ".join(CONTENT.escalation_reasons["ask_personal_advice"])


def test_session_questions_get_the_clinic_instructions_or_the_phone(content_dir: Path) -> None:
    fields = CONTENT.clinic.fields()
    for name in ("session_length", "session_eating", "session_driving"):
        # a placeholder instruction is never shown: the phone instead
        assert (
            fields[name] == f"Ask our team on {CONTENT.clinic.phone} ({CONTENT.clinic.hours})."
        ), name
    fill_in_clinic(content_dir)
    filled = load(content_dir).clinic.fields()
    assert filled["session_length"] == "The drip takes about 40 minutes."
    assert filled["session_driving"] == "Bring someone to drive you home."
    practical = " ".join(CONTENT.topics["session_practical"].messages)
    assert all("{session_" + n + "}" in practical for n in ("length", "eating", "driving"))
