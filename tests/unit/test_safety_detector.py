"""The red-flag detector, phrase by phrase, as patients type: positives for every flag, near misses,
negations, general questions, mixed messages, self-harm, and odd input. Every case can fail."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from safety.detector import RULES_PATH, SafetyRulesError, assess, load_rules, normalise, rules

# (message, flag that must fire)
EMERGENCIES = [
    ("worst headache of my life came on suddenly", "thunderclap_headache"),
    ("this is the worst headache ive ever had", "thunderclap_headache"),
    ("worst ever headache, it just hit me", "thunderclap_headache"),
    ("thunderclap headache right now", "thunderclap_headache"),
    ("sudden severe headache out of nowhere", "thunderclap_headache"),
    ("my headache came on suddenly like being hit with a hammer", "thunderclap_headache"),
    ("WORST HEDACHE OF MY LIFE", "thunderclap_headache"),
    ("feels like my head is going to explode, came on in seconds", "thunderclap_headache"),
    ("i suddenly cant move my left arm", "one_sided_weakness_or_paralysis"),
    ("cant lift my right leg", "one_sided_weakness_or_paralysis"),
    ("my mom cant move her arm", "one_sided_weakness_or_paralysis"),
    ("new weakness on my left side", "new_one_sided_weakness"),
    ("sudden weakness in my right side", "new_one_sided_weakness"),
    ("my left side is weak and this has never happened before", "new_one_sided_weakness"),
    ("my face is drooping on one side", "face_drooping"),
    ("half my face is drooping", "face_drooping"),
    ("my smile looks lopsided all of a sudden", "face_drooping"),
    ("his mouth is drooping", "face_drooping"),
    ("my speech is slurred", "slurred_speech"),
    ("im slurring my words", "slurred_speech"),
    ("she is talking funny and slurring", "slurred_speech"),
    ("my aura has lasted over 2 hours", "new_or_lasting_neurological_symptom"),
    ("aura for more than an hour now", "new_or_lasting_neurological_symptom"),
    ("had an aura for 3 hours", "new_or_lasting_neurological_symptom"),
    ("what if my aura lasts more than an hour?", "new_or_lasting_neurological_symptom"),
    ("my usual aura but its been going for 2 hours", "new_or_lasting_neurological_symptom"),
    ("lost vision in one eye and it hasnt come back", "new_or_lasting_neurological_symptom"),
    ("my vision went black suddenly", "new_or_lasting_neurological_symptom"),
    ("cant see out of my left eye since this morning", "new_or_lasting_neurological_symptom"),
    ("still cant see properly its been hours", "new_or_lasting_neurological_symptom"),
    ("numbness in my face that wont go away", "new_or_lasting_neurological_symptom"),
    ("sudden numbness in my arm", "new_or_lasting_neurological_symptom"),
    ("tingling in my hand for the first time ever", "new_or_lasting_neurological_symptom"),
    (
        "pins and needles down one side, never had this before",
        "new_or_lasting_neurological_symptom",
    ),
    ("i suddenly cant find my words", "speech_or_confusion_now"),
    ("trouble speaking that came on suddenly", "speech_or_confusion_now"),
    ("my dad is suddenly confused and doesnt know where he is", "speech_or_confusion_now"),
    ("confused since yesterday and it is not going away", "speech_or_confusion_now"),
    ("im having an aura and its not like my usual ones", "new_or_lasting_neurological_symptom"),
    ("this aura is different from my normal ones", "new_or_lasting_neurological_symptom"),
    ("first time ive ever had an aura, seeing zigzags", "new_or_lasting_neurological_symptom"),
    ("jerking movements in my arm all of a sudden", "new_or_lasting_neurological_symptom"),
    ("i have a fever and a stiff neck", "fever_with_stiff_neck"),
    ("high temp and my neck is so stiff", "fever_with_stiff_neck"),
    ("feaver and stif neck", "fever_with_stiff_neck"),
    ("i cant bend my neck and i have a fever", "fever_with_stiff_neck"),
    ("i hit my head yesterday and now i have a migraine", "head_injury"),
    ("banged my head on a cupboard, headache since", "head_injury"),
    ("he fell and hit his head", "head_injury"),
    ("i think i have a concussion", "head_injury"),
    ("i fainted during my migraine", "fainting"),
    ("she passed out", "fainting"),
    ("i blacked out for a minute", "fainting"),
    ("my husband just had a seizure during his migraine", "seizure"),
    ("im having a siezure", "seizure"),
    ("my son is convulsing", "seizure"),
    ("im pregnant and have a really bad headache", "pregnancy_with_severe_headache"),
    ("30 weeks pregnant with a severe migraine", "pregnancy_with_severe_headache"),
    ("pregant and the worst headache", "pregnancy_with_severe_headache"),
    ("im 62 and just had my first aura", "first_aura_after_50"),
    ("first aura ever and im 55 years old", "first_aura_after_50"),
    ("i have chest pain after my infusion", "chest_pain_or_breathing"),
    ("cant breathe properly after the ketamine", "chest_pain_or_breathing"),
    ("shortness of breath since my infusion session", "chest_pain_or_breathing"),
    ("tightness in my chest", "chest_pain_or_breathing"),
    ("i took too many of my migraine pills", "overdose"),
    ("i think i overdosed", "overdose"),
    ("took a double dose of my meds by mistake", "overdose"),
    ("my friend took a whole bottle of pills", "overdose"),
    ("i took 20 tablets", "overdose"),
    ("took double my sumatriptan by accident", "overdose"),
    ("i doubled my dose of rizatriptan", "overdose"),
    ("i think im having a stroke", "possible_stroke"),
    ("is this a stroke? my arm feels weird", "possible_stroke"),
    ("scared my dad is having a mini stroke", "possible_stroke"),
    ("i feel like im going to faint after the infusion", "fainting"),
    ("can ketamine give me chest pain? i have it now", "chest_pain_or_breathing"),
    # the modifier may be in another sentence than the symptom
    ("my left arm went numb. it started suddenly", "new_or_lasting_neurological_symptom"),
    (
        "how long does an aura last? mine has been going for 2 hours",
        "new_or_lasting_neurological_symptom",
    ),
    # "usual" does not cancel a symptom that will not go away
    (
        "I always get tingling but this time it started suddenly and won't go away",
        "new_or_lasting_neurological_symptom",
    ),
    # a "never" about the patient's history is not a negation
    ("never had numbness like this before", "new_or_lasting_neurological_symptom"),
    # texting: stretched letters and typos
    ("my neck is stiiiff and i have a feverrr", "fever_with_stiff_neck"),
    ("siezures", "seizure"),
    ("i had a seizsure", "seizure"),
    ("I FEINTED at work", "fainting"),
    ("call 911", "asks_for_emergency_help"),
    ("i need an ambulance", "asks_for_emergency_help"),
    ("emergency!! please help", "asks_for_emergency_help"),
    ("my head suddenly exploded with pain out of nowhere, worst ever", "thunderclap_headache"),
    ("my friend took ketamine and stopped breathing", "chest_pain_or_breathing"),
    ("my arm is numb and its not my usual aura", "new_or_lasting_neurological_symptom"),
    ("cant feel the left side of my face", "one_sided_weakness_or_paralysis"),
    ("my vision is blurry and its been 3 hrs", "new_or_lasting_neurological_symptom"),
    ("i'm seeing double suddenly", "new_or_lasting_neurological_symptom"),
    ("everything went dark in one eye suddenly", "new_or_lasting_neurological_symptom"),
    ("not my usual numbness, its on both sides", "new_or_lasting_neurological_symptom"),
    ("i'm 8 months pregnant and my head is pounding so bad", "pregnancy_with_severe_headache"),
    ("pregnant with a migraine thats the worst ive had", "pregnancy_with_severe_headache"),
    ("feels like an elephant on my chest", "chest_pain_or_breathing"),
    ("my throat feels like it's closing after the infusion", "chest_pain_or_breathing"),
    ("my kid swallowed a bunch of my pills", "overdose"),
    ("i double dosed my triptan", "overdose"),
    ("my neck hurts to bend and i have a high fever", "fever_with_stiff_neck"),
    ("i have a fever and my neck hurts", "fever_with_stiff_neck"),
    ("my speech is sluured", "slurred_speech"),
    # ...but not into a new statement with its own subject, nor past a "but"
    ("I don't have a fever, I have chest pain, or something", "chest_pain_or_breathing"),
    ("no fever, i suddenly cant move my arm, or talk", "one_sided_weakness_or_paralysis"),
    ("fever? no. but i had a seizure", "seizure"),
    ("stiff neck? yes. fever? yes", "fever_with_stiff_neck"),
    (
        "no headache, sudden numbness in my arm, and i cant talk",
        "new_or_lasting_neurological_symptom",
    ),
    ("my speech is slured", "slurred_speech"),
    ("numbnes in my arm that came on suddenly", "new_or_lasting_neurological_symptom"),
    ("i am so numbbb and it started out of nowhere", "new_or_lasting_neurological_symptom"),
    ("tinglin down my left side for 2 hours", "new_or_lasting_neurological_symptom"),
    # issue 9: everyday words, sign-internal negation, third person, times, new categories
    ("it came on in a split second like something burst in my head", "thunderclap_headache"),
    ("his head has never hurt like this", "thunderclap_headache"),
    ("my head explodes every time i cough", "headache_with_alarm_pattern"),
    ("my father can not talk right since lunch", "speech_or_confusion_now"),
    ("she doesnt know where she is, started an hour ago", "speech_or_confusion_now"),
    ("my dads face is sagging on the left", "face_drooping"),
    ("her words are coming out scrambled", "slurred_speech"),
    ("running a temperature and my neck wont bend", "fever_with_stiff_neck"),
    ("she has purple spots that dont fade under a glass", "meningitis_signs"),
    ("i have a fever and the worst headache", "fever_with_severe_headache"),
    ("my mum fell this morning and now shes really drowsy", "drowsy_or_confused_after_a_fall"),
    ("34 weeks pregnant and seeing spots in my vision", "pregnancy_with_warning_signs"),
    ("i had my baby 5 days ago and now i have a headache that wont go away", "postpartum_headache"),
    ("im 71 and never had headaches before, now every day", "new_headache_after_50"),
    ("after my infusion my blood pressure is 190/125", "very_high_blood_pressure"),
    ("a shade suddenly came down over my left eye", "vision_loss_now"),
    ("my legs wont hold me up, it started suddenly", "new_one_sided_weakness"),
    ("my left side feels week since lunch", "new_one_sided_weakness"),
    ("should i go to the ER?", "asks_for_emergency_help"),
]

CRISES = [
    "i want to kill myself",
    "i want to die",
    "i want to die this headache is so bad",
    "honestly i dont want to be alive anymore",
    "i dont want to wake up tomorrow",
    "im suicidal",
    "feeling suicidel tonight",
    "thinking about suicide",
    "i would be better off dead",
    "i wish i was dead",
    "i keep thinking about ending my life",
    "i want to end it all",
    "i want to hurt myself",
    "i have been cutting myself",
    "self harm",
    "there is no reason to live anymore",
    "im going to take all my pills",
    "kms",
    "i want to unalive myself",
    "i'm not ok i don't want to live",
    "no fever but i want to kill myself",
    "should i just kill myself?",
    "life is not worth living with these migraines",
    "nobody would care if i was gone",
    "i have a plan to end it",
    "i keep thinking about hurting myself",
    "life isn't worth living with these migraines anymore",
    "i wish i could go to sleep and never wake up",
    "i want everything to end",
    "i'm thinking about overdosing on purpose",
    "everyone would be better off without me, i want it to be over",
    "i cant do this anymore i want to end it",
    "thinking about taking my own life",
    "sometimes i think about jumping off a bridge",
    "i dont see the point in living anymore",
    "hope i dont wake up",
    "everyone would be happier if i was dead",
    "i have pills saved up to end it",
    # issue 9: passive ideation, preparation, third person, typos
    "can't see the point of carrying on with this pain",
    "I'd prefer not to wake up tomorrow",
    "i'm tired of being alive",
    "my daughter told me she wants to die",
    "been looking up how many pills would be a lethal dose",
    "said goodbye to my family last night",
    "i took all my pills on purpose",
]

# issue 9: current signs with no word saying new or usual get the "call now if this is new" check
URGENT_CHECKS = [
    "my arm went numb 20 min ago",
    "numbnes in my hand at the moment",
    "my vision is doing zigzags right now",
]

# issue 9: past events, family history, hyperbole, squeamishness: no emergency
PAST_AND_FIGURATIVE = [
    "I had febrile seizures as a toddler",
    "passed out once at a concert in high school",
    "my uncle had a stroke",
    "my skull is about to crack, like every month",
    "needles make me woozy, will I faint?",
    "this doesn't feel like the worst headache of my life, just my usual",
    "this paperwork is killing me",
]

# Described without saying new or usual: at most the urgent check, never the emergency reply.
NOT_EMERGENCIES = ["the zigzags looked odd on one side"]


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_unclear_descriptions_get_at_most_the_check(text: str) -> None:
    assert assess(text).level in ("urgent_check", "clear", "none"), (text, assess(text))


# Negations, general questions, education and near misses: never an emergency or crisis.
NOT_ALARMS = [
    "no fever",
    "i don't have a fever",
    "i dont have a stiff neck",
    "no fever and no stiff neck",
    "my neck is not stiff and i have no fever",
    "not the worst headache, just my normal migraine",
    "never had a seizure",
    "i have never fainted",
    "is neck stiffness a warning sign?",
    "what does aura numbness feel like?",
    "is tingling in my arm an aura thing?",
    "can ketamine cause chest pain?",
    "what causes sudden numbness in migraines?",
    "is slurred speech ever part of an aura?",
    "how long do auras last",
    "what is an aura",
    "i get zigzag lines before my migraines",
    "i always get numbness in my hand before a migraine",
    "my usual aura is flashing lights for 20 minutes",
    "i feel confused all day after my migraines always",
    "why am i so exhausted the day after a migraine",
    "this migraine is killing me",
    "i'd kill for a nap",
    "im dying for a coffee",
    "i'm not suicidal",
    "i would never hurt myself",
    "what are the side effects of ketamine",
    "is ketamine safe?",
    "can i get ketamine if im pregnant",
    "what is a thunderstorm headache",
    "how often do migraines happen",
    "food cravings and yawning before a migraine",
    "i have a stiff neck before my migraines",
    "does fever cause migraines?",
    "how many infusions will i need",
    "my head hurts",
    "i have a bad migraine",
    "what is the dissociation effect",
    "how do i book",
    "the end my friend",
    "I see faint zigzag lines before my migraines",
    "can ketamine give me chest pain?",
    "whats the difference between an aura and a stroke?",
    "I took ketamine twice",
    "sooo tired after my migraine",
    "is it normal to have tingling after ketamine?",
    "my usual zigzags. I had a new prescription last week",
    "I get numbness with my auras. is that normal?",
    "i want this migraine to be over",
    "i want the pain to end",
    "is ketamine worth it?",
    "ketamine isnt worth it anymore",
    "i would never wake up my kids",
    "the worst part ever is the nausea",
    "when should i go to the emergency room?",
    "is it ok to double my dose?",
    "my neck is sore from sleeping funny",
    "i get blurry vision with my auras",
    "is it normal to have numbness after ketamine?",
    "my migraine is not the worst ive had",
    "i'm pregnant, is a migraine normal?",
    "the numbness went away after 20 minutes like usual",
    "i cut back on caffeine",
    "i'm dead tired",
    "how many pills can i take in a day?",
    "my aura usually lasts about 30 minutes",
    "what are the warning signs of a stroke?",
    "no seizures no fainting",
    # a negation carries through a list ending in "or"; a bare "no" answers the sentence before
    "I haven't fainted, had a seizure, or hit my head",
    "no fever, stiff neck, or rash",
    "neck stiff? no. fever? no.",
]

ODD = [
    "",
    "   ",
    "\n\t",
    "🤕🤕🤕",
    "¿Cuánto dura una migraña?",
    "偏头痛持续多久",
    "a" * 10_000,
    "\x00\x01",
    "ﬁ ligature and ＦＵＬＬＷＩＤＴＨ",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("text, flag", EMERGENCIES)
def test_emergencies_fire(text: str, flag: str) -> None:
    verdict = assess(text)
    assert verdict.level == "emergency", (text, verdict)
    assert flag in verdict.flags, (text, verdict)


@pytest.mark.parametrize("text", CRISES)
def test_self_harm_gets_crisis(text: str) -> None:
    assert assess(text).level == "crisis", text


@pytest.mark.parametrize("text", URGENT_CHECKS)
def test_current_neurological_signs_get_the_urgent_check(text: str) -> None:
    assert assess(text).level == "urgent_check", (text, assess(text))


@pytest.mark.parametrize("text", PAST_AND_FIGURATIVE)
def test_past_family_history_and_figures_of_speech_do_not_alarm(text: str) -> None:
    assert assess(text).level in ("clear", "none"), (text, assess(text))


@pytest.mark.parametrize("text", NOT_ALARMS)
def test_negations_questions_and_near_misses_do_not_alarm(text: str) -> None:
    assert assess(text).level in ("clear", "none"), (text, assess(text))


@pytest.mark.parametrize(
    "text, expected_in_note",
    [
        ("is neck stiffness a warning sign?", "stiff neck"),
        ("what does aura numbness feel like?", "stroke"),
        ("can ketamine cause chest pain?", "Chest pain"),
        ("no fever", "fever"),
    ],
)
def test_ruled_out_mentions_carry_a_note(text: str, expected_in_note: str) -> None:
    verdict = assess(text)
    assert verdict.level == "clear"
    assert any(expected_in_note in n for n in verdict.notes), verdict.notes
    assert all("{emergency_number}" in n or "{crisis_line}" in n for n in verdict.notes)


def test_plain_topic_questions_are_none() -> None:
    assert assess("how fast does ketamine work").level == "none"
    assert assess("what is an aura").notes == ()


def test_mixed_message_with_a_negated_and_an_affirmed_flag_fires() -> None:
    verdict = assess("i don't have a fever but i suddenly can't move my left arm")
    assert verdict.level == "emergency"
    assert "fever_with_stiff_neck" not in verdict.flags


def test_crisis_wins_over_emergency() -> None:
    verdict = assess("i took too many pills because i want to die")
    assert verdict.level == "crisis"
    assert {"self_harm", "overdose"} <= set(verdict.flags)


@pytest.mark.parametrize("text", ODD)
def test_odd_input_never_raises(text: str) -> None:
    assert assess(text).level in ("none", "clear")


def test_typical_messages_are_fast() -> None:
    """The brief: well under a millisecond per typical message. Asserted loosely (CPU time, 5 ms) so a
    loaded CI machine does not flake, while a regex or algorithm regression (10x) still fails."""
    texts = [
        "i have a fever and a stiff neck",
        "what does aura numbness feel like?",
        "how fast does ketamine work",
        "my left arm went numb. it started suddenly",
        "i haven't fainted, had a seizure, or hit my head",
    ]
    for t in texts:
        assess(t)
    start = time.process_time()
    for _ in range(100):
        for t in texts:
            assess(t)
    assert (time.process_time() - start) / 500 < 0.005


def test_notes_have_placeholders_and_no_hard_coded_numbers() -> None:
    for flag in load_rules().flags:
        assert "{emergency_number}" in flag.note or "{crisis_line}" in flag.note, flag.id
        assert "911" not in flag.note and "988" not in flag.note, flag.id
        flag.note.format(emergency_number="911", crisis_line="988")  # formats cleanly


def test_long_input_is_fast() -> None:
    """Not a timing assertion on normal use: a guard against catastrophic regex backtracking."""
    text = "my head hurts and " * 1000
    start = time.perf_counter()
    assess(text)
    assert time.perf_counter() - start < 5


def _yaml_examples() -> list:
    data = yaml.safe_load(RULES_PATH.read_text())
    return [
        (text, flag["id"], flag["kind"])
        for flag in data["flags"]
        for text in flag.get("examples") or []
    ]


@pytest.mark.parametrize("text, flag, kind", _yaml_examples())
def test_examples_in_the_rules_file_fire_their_flag(text: str, flag: str, kind: str) -> None:
    """`make check` reads the same examples as canaries: they must fire here first."""
    verdict = assess(text)
    assert verdict.level == kind and flag in verdict.flags, (text, verdict)


def test_every_flag_in_the_rules_file_has_examples() -> None:
    data = yaml.safe_load(RULES_PATH.read_text())
    assert [f["id"] for f in data["flags"] if not f.get("examples")] == []


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("stiiiff", "stiff"),  # 3+ letters cut to 1 when only that is a known word
        ("feverrr", "fever"),
        ("coffee", "coffee"),  # real double letters untouched
        ("numbnes", "numbness"),  # fuzzy repair towards the rules' vocabulary
        ("slurrred", "slurred"),
        ("cannot", "can't"),  # one spelling for negated verbs
        ("is it true", "is it true"),  # real words are never "repaired"
        ("my arm is week", "my arm is weak"),  # a sound-alike, in context only
        ("one week ago", "one week ago"),
        (
            "hes slurrin and its getting worse",
            "he's slurring and it's getting worse",
        ),  # apostrophes, dropped g
        ("theyd be better off", "they'd be better off"),
        (
            "i dont want to be here, we were well",
            "i don't want to be here, we were well",
        ),  # real words stay
        ("aspirin", "aspirin"),
    ],
)
def test_normalisation(raw: str, expected: str) -> None:
    assert normalise(raw, rules()) == expected


# Emergencies by family (issue 9): everyday words for a sign, typos, third person, time expressions,
# whole categories. (message, flag that must fire); the level must be emergency.
FAMILY_EMERGENCIES = [
    # everyday vocabulary for a sign
    ("her face has gone all melted on the left", "face_drooping"),
    ("his mouth is pulling to one side and hes drooling", "face_drooping"),
    ("out of nowhere my head felt like it had been hit by lightning", "thunderclap_headache"),
    (
        "went from nothing to ten out of ten in a few seconds, the back of my head",
        "thunderclap_headache",
    ),
    ("it just exploded inside my skull while i was lifting weights", "thunderclap_headache"),
    ("the pain in my head arrived all at once, i was just watching tv", "sudden_headache"),
    ("this headache is worse than anything ive ever had", "thunderclap_headache"),
    # typo classes: dropped g, missing apostrophes, doubled letters
    ("hes talkin rubbish and slurrin all of a sudden", "slurred_speech"),
    ("shes not respondin to me at all", "fainting"),
    ("my husbands just collapsd in the kitchen", "fainting"),
    # third person and caregivers
    (
        "my nan cant hold her cup, it keeps slipping, started all of a sudden",
        "new_one_sided_weakness",
    ),
    (
        "my brother is staggering round like hes drunk and he hasnt had a drop, it came on suddenly",
        "balance_or_coordination_now",
    ),
    (
        "my dad keeps using the wrong words for everything, came on suddenly this afternoon",
        "speech_or_confusion_now",
    ),
    ("mum doesnt remember how she got home and she is 78", "speech_or_confusion_now"),
    # falls, head injury
    (
        "my father slipped in the garden. an hour later he is dizzy and being sick",
        "sign_after_a_fall",
    ),
    ("my forehead smacked the corner of the kitchen table and now im seeing double", "head_injury"),
    ("came off my bike, the helmet split in two", "head_injury"),
    ("one of her pupils looks much larger than the other", "unequal_pupils"),
    # seizures
    ("he had a funny fit at the table and now hes very sleepy", "seizure"),
    ("she has had two fits since breakfast", "seizure"),
    ("he's jerking and it won't stop, going on five minutes", "seizure"),
    # alarm patterns of a headache
    (
        "whenever i sneeze the pain in the back of my head is unbearable for minutes",
        "headache_with_alarm_pattern",
    ),
    (
        "my headaches have become worse every day over the last fortnight",
        "headache_with_alarm_pattern",
    ),
    (
        "every morning i wake up with a headache and throw up, for three weeks now",
        "headache_with_alarm_pattern",
    ),
    # pregnancy and after birth
    (
        "im 33 weeks and my feet and face are really puffy and my head is pounding",
        "pregnancy_with_severe_headache",
    ),
    ("my blood pressure is 162/112 and i delivered my son 8 days ago", "postpartum_headache"),
    (
        "our baby is 2 weeks old and my wife has a headache that will not shift",
        "postpartum_headache",
    ),
    # infusion and medicine reactions
    ("after the drip i came out in hives and im wheezing", "anaphylaxis"),
    ("my tongue is twice the size it should be", "chest_pain_or_breathing"),
    ("his breathing is noisy and raspy since he took the tablet", "chest_pain_or_breathing"),
    # medicines taken by mistake
    ("my 3 year old swallowed a few of my sumatriptan", "overdose"),
    ("grandma took her husbands tablets by mistake instead of hers", "overdose"),
    ("i accidentally took a whole weeks worth of my tablets in one go", "overdose"),
    ("dad popped a handful of pills thinking they were his vitamins", "overdose"),
    # whole categories
    (
        "im having chemotherapy and my temperature is 38.4",
        "new_headache_with_cancer_or_weak_immunity",
    ),
    ("feverish with a pounding headache and ive vomited twice", "fever_headache_and_vomiting"),
    ("we all get headaches at home but they go away when we go outside", "carbon_monoxide"),
    ("my eye is throbbing with pain, its bright red and i see rainbow halos", "painful_red_eye"),
    ("my pressure reading is 195/118 after the ketamine", "very_high_blood_pressure"),
    (
        "im 74 and for the first time i saw zigzags in one eye",
        "new_or_lasting_neurological_symptom",
    ),
    (
        "i lost half of my seeing on the right side an hour ago and it is still black",
        "vision_loss_now",
    ),
    # persisting or total: "still out of it" hours after an infusion, a curtain over one eye
    (
        "infusion finished at noon and at 6pm he is still completely confused",
        "speech_or_confusion_now",
    ),
    ("a black shutter came down over my left eye ten minutes ago", "vision_loss_now"),
    ("she went rigid then started jerking on the kitchen floor", "seizure"),
    ("the headache is worse each and every morning, i cant cope", "headache_with_alarm_pattern"),
    ("really painful eye and the lights have halos round them", "painful_red_eye"),
    ("had my little girl, baby is 10 days, and my head is splitting", "postpartum_headache"),
]

# Clear on purpose: past and resolved events, family history, usual aura, hyperbole about a usual
# attack, general questions, pets, squeamishness.
FAMILY_NOT_ALARMS = [
    "i had a fit when i was 6 from a fever, none since",
    "my aunt had a brain bleed in her fifties",
    "my grandad died of a stroke, is migraine genetic?",
    "i was knocked out playing hockey at 15, totally fine now",
    "when i was expecting my first i had awful headaches, she is 12 now",
    "had my concussion last summer, all cleared by the neurologist",
    "my usual aura again today, the shimmering arc, gone after 20 minutes like always",
    "same old migraine, feels like my skull is going to crack, like every month",
    "worst attack of the year but the same type as always",
    "our cat had a seizure this morning and i'm too upset to think",
    "i go faint at the sight of a cannula, can the nurse use numbing cream?",
    "can you develop aura for the first time in your sixties? my mum wants to know",
    "is it true that a sudden headache can be a bleed? just curious",
    "some of my migraines come with aura and some without, why?",
    "i'm dead on my feet after the night shift, will that set off a migraine?",
    "my previous tia was in 2018 and fully investigated, can i still have ketamine?",
    "no numbness, no weakness, no trouble talking, nothing sudden, just my normal migraine",
    "after my first infusion i felt a bit spaced out for an hour, then fine, is that normal?",
    "my son had febrile convulsions as a baby, he's 20 now, can he still get infusions?",
]


def test_every_flag_has_a_positive_test() -> None:
    flags = {f["id"] for f in yaml.safe_load(RULES_PATH.read_text())["flags"]}
    tested = (
        {flag for _, flag in EMERGENCIES + FAMILY_EMERGENCIES}
        | {"self_harm"}
        | {flag for _, flag in CRISIS_FLAGS}
    )
    assert flags == tested, f"flags without a positive test: {sorted(flags - tested)}"


def test_enough_phrasings() -> None:
    assert len(EMERGENCIES) + len(CRISES) + len(NOT_ALARMS) >= 130


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["features"]["fever"].append("(unclosed"), "not a valid regular expression"),
        (lambda d: d["flags"][0].update(kind="urgent"), "kind must be one of"),
        (lambda d: d["flags"][0].update(any=["no_such_feature"]), "is not defined"),
        (lambda d: d["flags"][0].pop("note"), "needs a one-line 'note'"),
        (lambda d: d.pop("modifiers"), "'modifiers' is missing"),
        (lambda d: d["features"].update(fever=[]), "one or more patterns"),
        (lambda d: d["not_negations"].append("[bad"), "not a valid regular expression"),
        (lambda d: d["general_frames"].append(42), "non-empty text"),
        (lambda d: d["flags"][0].update(note="Call {emergency_nr} now."), "unknown placeholder"),
        (lambda d: d["flags"][0].update(note="Call 911 now."), "must not hard-code a phone number"),
        (lambda d: d["flags"][0].update(examples="not a list"), "'examples' must be a list"),
    ],
)
def test_malformed_rules_are_refused_with_a_clear_message(
    tmp_path: Path, change, message: str
) -> None:
    data = yaml.safe_load(RULES_PATH.read_text())
    change(data)
    path = tmp_path / "red_flags.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SafetyRulesError, match=message) as e:
        load_rules(path)
    assert str(path) in str(e.value)


def test_the_real_rules_load() -> None:
    assert len(load_rules().flags) >= 16


# ---------------------------------------------------------------- issue 9: families of phrasings
# Each family below was found from a kind of miss on the development set; the phrasings here are new
# (none is a dev message), so they test the family, not the message.

# Crisis: passive wishes, plans, preparation, goodbyes, lethal-dose research, self-injury, relatives.
CRISIS_FAMILIES = [
    # method thoughts
    "i keep picturing jumping off the multi storey car park",
    "been having thoughts about stepping in front of a lorry on my way home",
    "some days i think about throwing myself off the bridge near work",
    # passive wishes, hoping not to wake
    "every night im hoping i wont wake up",
    "i pray i dont see another day like this",
    "half of me wishes this next attack would just finish me off",
    "id be happy if god took me tonight, honestly",
    "honestly the lord can take me whenever he likes",
    "my son says he has nothing to live for",
    "they would all be better off without me around",
    "it would be simpler for my family if i was just gone",
    "my kids would honestly be better off if i wasnt here",
    # preparation and goodbyes
    "ive given away my dog to my neighbour, she'll look after him better than me",
    "goodbye everybody, thanks for trying",
    "this is my final message. tell dr patel it isnt his fault",
    # plans
    "i have picked the date and the place to do it",
    "i know the spot, i just need to find the courage",
    "last night i sat on the railway tracks for a while",
    # lethal-dose research
    "how many sumatriptan would someone need to take before it is fatal",
    "how long until somebody would notice if i didnt answer my door",
    # self-injury, and what a parent finds
    "i scratch my thighs with scissors when the pain gets too much",
    "been cutting my arms again when my head gets bad",
    "i punch walls on purpose until my knuckles bleed",
    "found blades hidden in my teenager's pencil case",
    "my daughter has cuts up both her wrists",
    # relative reports
    "my husband told me last night that he wants to die",
    "my brother said he has been thinking of ending it",
]

CRISIS_FLAGS = [
    ("i swallowed the whole packet of my tablets because i had enough", "intentional_overdose"),
    ("she downed thirty paracetamol, she says she wants all of it to stop", "intentional_overdose"),
]

# Mentions that are not the writer's own risk.
NOT_CRISIS = [
    "my grandad died by suicide in the nineties, do you ask about that in the intake?",
    "can antidepressants help with suicidal thoughts? it's for a uni assignment",
    "the nurse asked whether i have thoughts of harming myself and i don't, i'm just tired of the pain",
    "this migraine is killing me",
    "the paperwork is killing me lol",
    "i wont need the parking voucher anymore because my husband is driving me",
]


@pytest.mark.parametrize("text", CRISIS_FAMILIES)
def test_crisis_families_get_crisis(text: str) -> None:
    assert assess(text).level == "crisis", text


@pytest.mark.parametrize("text, flag", CRISIS_FLAGS)
def test_crisis_flags_fire(text: str, flag: str) -> None:
    result = assess(text)
    assert result.level == "crisis" and flag in result.flags, result


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_mentions_that_are_not_the_writers_risk_are_not_crisis(text: str) -> None:
    assert assess(text).level != "crisis", text


def test_a_relatives_suicide_does_not_hide_the_writers_own_wish() -> None:
    assert assess("my brother died by suicide and now i want to die too").level == "crisis"


@pytest.mark.parametrize("text, flag", FAMILY_EMERGENCIES)
def test_emergency_families_fire(text: str, flag: str) -> None:
    result = assess(text)
    assert result.level in ("emergency", "crisis") and flag in result.flags, result


@pytest.mark.parametrize("text", FAMILY_NOT_ALARMS)
def test_past_usual_and_general_messages_stay_clear(text: str) -> None:
    assert assess(text).level not in ("emergency", "crisis", "urgent_check"), text


@pytest.mark.parametrize(
    "text",
    [
        "my hand went numb 20 minutes ago",  # happening now, not called new: the check, not silence
        "since lunch my left leg feels heavy",
    ],
)
def test_current_sign_with_only_a_clock_time_gets_at_least_the_check(text: str) -> None:
    assert assess(text).level in ("urgent_check", "emergency")


def test_a_sign_after_a_now_word_is_current_even_after_history() -> None:
    assert assess("i had a stroke years ago and now my face is drooping").level == "emergency"


def test_a_long_run_on_message_with_a_buried_sign_fires() -> None:
    filler = "i was telling my sister about the weather and the garden and the shopping and " * 200
    assert assess(filler + "my face has dropped on one side all of a sudden").level == "emergency"


# ---------------------------------------------------------------- the prefilter that keeps long input cheap


@pytest.mark.parametrize(
    "pattern, text",
    [
        (r"\blethal (dose|amount)", "what is a lethal amount"),
        (r"\b(took|swallowed) (\w+ ){0,2}pills", "swallowed all my pills"),
        (r"\bnumb(ness|ed)?\b", "numbed"),
        (r"(?<!with )\bauras?\b", "my aura"),
        (r"\b(a|b)\b", "a"),
    ],
)
def test_required_strings_are_in_every_match(pattern: str, text: str) -> None:
    import re

    from safety.prefilter import required

    needs = required(re.compile(pattern))
    assert re.search(pattern, text)
    assert needs is None or any(s in text for s in needs), needs


def test_the_prefilter_never_skips_a_pattern_that_matches() -> None:
    """Every rule pattern, on every phrase of these tests and of the rules file: when it matches, the
    text holds one of the strings the prefilter says it needs (else a long message could miss it)."""
    from safety.prefilter import required

    r = rules()
    phrases = (
        [t for t, _ in EMERGENCIES + FAMILY_EMERGENCIES + CRISIS_FLAGS]
        + CRISES
        + CRISIS_FAMILIES
        + NOT_ALARMS
        + FAMILY_NOT_ALARMS
        + [t for t, _, _ in _yaml_examples()]
    )
    texts = [normalise(p, r) for p in phrases]
    patterns = [p for ps in r.features.values() for p in ps] + list(
        r.modifiers + r.usual + r.history
    )
    checked = 0
    for pattern in patterns:
        needs = required(pattern)
        for text in texts:
            if pattern.search(text):
                checked += 1
                assert needs is None or any(s in text for s in needs), (
                    pattern.pattern[:80],
                    text,
                    needs,
                )
    assert checked > 300


def test_a_long_message_gives_the_same_answer_as_its_sign_alone() -> None:
    sign = "my arm went numb and my face dropped on one side all of a sudden"
    long = ("we went to the seaside and had chips, " * 400) + sign
    assert len(long) > 15_000
    assert assess(long).level == assess(sign).level == "emergency"


# ---------------------------------------------------------------- the span of the guidance, in new words
# NHS 999, BE-FAST, SNNOOP10 and ACOG signs, phrased as a patient or carer might: at least the check.
SPAN_EMERGENCIES = [
    "my arm went numb and heavy about 30 minutes ago and its still like that",
    "my speech is slurred and it started 20 minutes ago",
    "she cant find her words since this morning and is 45",
    "my right leg is dragging since i woke up",
    "my vision in the left eye went black for 10 minutes and came back",
    "i have a tingling face and a droopy eyelid since lunch",
    "he keeps bumping into things on his left side since this afternoon",
    "my balance is off and the room is spinning and i can't walk, started an hour ago",
    "the whole right side of my body feels weird since breakfast",
    "i have numbness down my left side, i've never had an aura",
    "my 6 year old has a temperature and is floppy and wont wake up properly",
    "i had my infusion 2 hours ago and my blood pressure is 185/115 and my head is pounding",
    "sudden blindness in one eye",
    "i am seeing double and my eyelid is drooping",
    "mum's arm and leg on the left have gone weak, she's 81",
    "dad is suddenly very confused and can't find the bathroom in his own house",
    "his speech is all garbled and his face is lopsided",
    "i can't swallow properly and my voice has changed suddenly",
    "my headache started after i hit my head playing football yesterday and now i'm vomiting",
    "i'm 35 weeks pregnant and i've got a bad headache and pain under my ribs",
    "my neck is stiff and purple spots appeared on my legs",
    "i have terrible pain and it got to its worst within a minute",
    "please help, my friend isn't breathing",
    "i cant feel my legs",
    "i've been having a seizure that won't stop",
    "my child swallowed some tablets",
    "the left side of my body feels numb and it came out of the blue",
    "started getting chest pain during my infusion and it's spreading to my arm",
    "is it a stroke?? his face looks wrong and he cant lift his arm",
    "since 2 hours i have no feeling in my left hand",
    "i am 73, today i see sparkles in one eye first time in my life",
    "my wife doesnt know what day it is and keeps repeating herself, started this afternoon",
    "hello. i have question about booking. also since this morning i am not able to say words correct. thank you",
    "she woke up like this, cant move her right leg",
    "my head hurts bad and i'm confused and my neck is stiff",
    "my son 17 fell off his scooter, no helmet, now he keeps asking the same questions",
    "im so sleepy after hitting my head on the cupboard",
    "the pain is 10/10 and it started in a second while i was running",
    "my vision is gone in my left eye since 40 min",
    "mum just had a seizure, first one ever, she is 58",
    "he's unconscious and breathing funny",
    "after the infusion i fainted in the car park",
    "my throat is closing up after my meds",
    "i've been throwing up for hours and my head is killing me, and the light hurts, and i have a temperature",
    "my granddad's words are all jumbled since tea time",
    "got a really bad headache and my right arm feels weak, never had this before",
    "i think my daughter took too many of her pills, she's very sleepy",
    "woke up and half my body is numb",
    "dad cant walk straight and is slurring, had a couple of glasses of wine but this isnt like him",
    "my usual aura but this time my arm went numb and it hasnt gone after 2 hours",
    "im at work and suddenly my right hand is clumsy and my speech is off",
    "been fine all day then bam the worst headache of my life",
    "long story short, had the infusion on monday, been ok, but tonight my husband says my face looks lopsided and i feel odd",
    "so the thing is ive had migraines since i was 12 but this morning i woke up and couldnt lift my left arm at all",
    "my 80 year old dad has a headache and his temple is tender and he says his vision went dim for a minute",
    "hi, is it normal that after ketamine my heart is pounding and i have pain in my chest?",
    "the baby is 3 weeks old, im getting headaches every day and seeing spots",
    "can't stop vomiting, awful headache and fever, neck hurts to move",
    "he's breathing but won't wake up properly after he fell",
    "i cant feel my face on one side and my arm is heavy, started about 20 minutes ago",
    "my daughter has a fever and a rash that doesnt go away when pressed",
    "pls help my wife cant talk properly, she makes no sense, started at 3pm",
    "my arm is werid and heavey since 30 minuts",
    "hi, sorry to bother, my husband he cannot speak good since one hour, his mouth is down on left side",
    "mother age 79 she is very confuse today and not know my name",
    "my hed is very very pain, like never before, came like thunder",
    "I am writing for my father. He is 82. Since breakfast he has not been able to hold his spoon in the right hand and he is dropping food.",
    "been having migraines for years, fine, but today after lunch my left leg just went from under me and i cant stand",
    "quick q about my appointment next week, also my face feels numb on one side and my words are slurry since i woke up, is that an aura thing?",
    "cant see out of my rite eye at all",
    "my daugter is 7 month pregant and her ankels and face are very swolen and she has headach",
    "I have a fever of 39.5 and my neck is so stiff I cant look down",
    "my son banged his head on the trampoline and has been sick 3 times",
    "my brother collapsed at the gym and isnt breathing properly",
    "my mum's lips have gone blue",
    "im getting chest pains during the infusion right now",
    "my partner had a fit for the first time ever",
    "grandpa is talking nonsense and one side of his face has dropped",
    "i think im having a stroke",
    "my head feels like its splitting and im 30 weeks pregnant",
    "suddenly cannot move my right side",
    "i overdosed by accident on my migraine meds",
    "the worst head pain of my whole life came on in one second while lifting",
    "my pupil is huge on one side and the headache is awful",
    "he got a really bad headache after we had sex and now hes vomiting",
    "my face feels weird and droopy, not like my usual aura",
    "my left arm feels like it belongs to someone else and i cant lift it properly, started 10 mins ago",
    "dad's speech went weird at dinner, like his tongue is too big, hes 68",
    "her smile is only on one side since this morning",
    "i suddenly cant read, the letters make no sense, this never happens",
    "my vision split into two and wont go back, came on an hour ago",
    "my husband is dribbling and cant close his mouth on the right, its new",
    "the worst headache ive ever had hit me while i was on the toilet",
    "felt a pop at the back of my head then the worst pain ever",
    "headache like being hit with a baseball bat, started seconds ago",
    "my neck is rigid and i have a temperature of 39 and the light is killing my eyes",
    "she has a rash of tiny purple dots that dont go when i press a glass",
    "hes burning hot and cant touch his chin to his chest",
    "i banged my head getting out of the car and now i keep throwing up",
    "mum fell down the stairs and hit her head, shes on blood thinners",
    "my son got hit in the head with a cricket ball and now hes confused",
    "i passed out in the shower after my infusion",
    "my wife keeled over at the table and is only just coming round",
    "im 36 weeks pregnant with a terrible headache and flashing lights",
    "i gave birth 2 weeks ago and my headache is the worst of my life",
    "im 5 days postpartum and my face and hands have swollen up and my head hurts",
    "after the infusion my chest feels tight and my heart is racing",
    "cant catch my breath since the infusion",
    "my lips are tingling and my throat feels tight after the drip",
    "my bp machine says 200/130 and my head is banging",
    "i took 20 of my sumatriptan this morning",
    "my kid swallowed a bunch of my ibuprofen",
    "im 67 and this is the first headache ive ever had, its been going on a week",
    "im 58 and my jaw hurts when i chew and my temple is sore and my vision is blurry",
    "headache that wakes me up every night and im being sick in the mornings",
    "the headache gets much worse when i lie down and better when i stand",
    "my grandad is really drowsy and keeps nodding off since he fell earlier",
    "my friend is fitting on the floor and wont stop",
    "i have a headache and my whole family feels dizzy, the boiler is old",
    "my right hand wont do what i tell it",
    "cant feel the left side of my face",
    "i have had an aura for 2 and a half hours and its not going",
    "im seeing zigzags and this is the first time in my life, im 61",
    "my speech is slurred and i feel dizzy",
    "my eye is really painful and red and my vision is cloudy",
    "i have a high fever and the worst headache and now a rash",
]

# Passive and active ideation, plans, preparation, research, relatives' reports, overdose.
SPAN_CRISES = [
    "i have been thinking that my family would be better without me",
    "i wish i could just disappear forever",
    "i'm planning to take my life",
    "i've been thinking of ways to end it",
    "she took an overdose last night and won't tell us what",
    "ive had enough of everything, i just want it all to end",
    "i feel like i'm drowning and there's no way back",
    "i've been saying goodbye to people without them knowing",
    "i keep imagining my funeral and who would come",
    "i wrote a note explaining why",
    "my husband has been talking about not being here next year",
    "i've got the pills lined up on the table",
    "if the ketamine doesn't work this is my last try, after that i'm out",
    "i want to kill myself but i'm scared",
    "i have thoughts of killing myself most days",
    "i'm thinking about suicide",
    "my 14 year old told her teacher she wants to kill herself",
    "i'd rather be dead than live with this pain",
    "what would happen if i took 50 tramadol",
    "i took all of my sleeping tablets an hour ago",
    "i feel like everyone would be relieved if i were gone",
    "i just want to not wake up",
    "my son has been burning himself with cigarettes",
    "i'm going to end it after my last appointment",
    "i've stopped caring whether i live or die",
    "my sister texted me saying goodbye and that she loves us all, and now she wont answer",
    "i've been looking at how high the bridge is",
    "what's the maximum amount of tramadol before it kills you",
    "tonight is the night. i've made up my mind",
    "i want to go to sleep forever",
    "i keep hitting myself in the head when the pain is bad, i want it to hurt more",
    "i feel like throwing myself under a train when the migraine comes",
    "he said he'd be better off dead",
    "i wrote my will this week and sorted out who gets my things, i won't need them",
    "im tired of fighting, i want to give up on life",
    "life isnt worth living with this pain",
    "i swallowed a whole bottle of paracetamol",
    "my friend says she's planning to overdose this weekend",
    "honestly whats the point in living like this",
    "i want to end my life",
    "sometimes i feel like ending it all",
    "i am thinking to kill myself because of the pain",
    "i keep thinking everyone would be better off if i just died",
    "i have bought rope",
    "my wife says she is going to end it tonight",
    "ive been self harming again",
    "i cut myself last night",
    "i've got a stash of pills and i know what i'm going to do with them",
    "i wanna die",
    "i dont see any reason to keep living",
    "the pain is so bad i want to be dead",
    "tonight i'm going to take all my tablets",
    "i cant go on like this anymore, i want it to be over for good",
    "my teenage son says he wants to kill himself",
    "i wish i could go to sleep and not wake up",
    "would anyone even notice if i was gone",
    "i dont want to exist anymore",
    "i took a load of pills because i cant cope with this pain",
    "i want to go to sleep and never wake up",
    "i have been thinking about ending it",
    "ive written letters to my kids",
    "i have enough pills saved to do it",
    "i looked up how many tablets it would take",
    "im going to jump off the bridge tonight",
    "my boyfriend keeps saying hes going to kill himself",
    "my daughter has been cutting herself",
    "i cant do this anymore, i want to die",
    "its all pointless, i dont see a future",
    "i think everyone would be better if i was dead",
    "i took an overdose",
    "i took all my tablets",
    "some days i wish i had never been born",
    "i dont want to be here anymore",
    "thinking of hanging myself",
    "i want to hurt myself",
    "sometimes i think about driving into a tree",
    "ive been hoarding my meds",
    "what is a lethal amount of amitriptyline",
    "i have a plan to end my life",
    "my mum said she doesnt want to live any more",
    "there is no way out except dying",
    "i just want to disappear and never come back",
    "im a burden to everyone, they'd be happier without me",
    "ive started giving my things away",
    "i keep researching ways to die",
    "i dont think ill be around much longer",
    "i tried to kill myself last week",
]

# Hyperbole, family and past history, usual aura, general questions, explicit denials.
SPAN_SAFE = [
    "i've had the same aura for 20 years, zigzags then headache",
    "my headache came on gradually over the day like normal",
    "my neck aches after sitting at my desk all day",
    "i had a bad reaction to a vaccine as a child",
    "my vision is a bit blurry after the eye drops at the optician",
    "i've got a slight temperature from a cold and my usual headache",
    "what is the difference between a migraine and a stroke?",
    "she has a history of fainting but is fine now",
    "my husband faints at the sight of blood, can he come with me?",
    "i'd rather die than miss my sister's wedding lol",
    "this headache makes me want to crawl into a hole",
    "i'm sick to death of these migraines",
    "i'm dying for a cup of tea",
    "my friend's brother took his own life last year and she's struggling, any support groups?",
    "i'm not suicidal, but the pain makes me very low",
    "is depression a side effect of topiramate?",
    "i read that ketamine is used for suicidal patients, is that true?",
    "my grandma passed away peacefully last month",
    "please cancel my appointment, i won't be coming anymore, i've moved away",
    "i don't have any numbness or weakness, just the throbbing",
    "no slurring, no droop, just a normal migraine",
    "my stroke was 10 years ago and i'm fully recovered, can i have ketamine?",
    "i had a seizure in 2012 after a head injury, nothing since",
    "is it normal to feel dizzy after the infusion? it lasted 10 minutes",
    "my dad had aneurysm surgery years ago, am i at risk?",
    "i can't move my appointment, i work that day",
    "my arm is numb from lying on it, it's fine now",
    "i can't feel my feet in this cold weather haha",
    "my vision goes blurry when i'm tired and need my glasses",
    "i'm not going to do anything stupid, i just wanted to vent about the pain",
    "i want to die my hair before my appointment",
    "i fell asleep during the infusion, is that ok?",
    "the worst part is waiting for the appointment",
    "i'm pregnant and my midwife said my blood pressure is fine",
    "my friend had a stroke at 40, can migraines cause strokes?",
    "i always get a sudden headache when i eat ice cream, brain freeze haha",
    "my kids are driving me crazy, i want to scream",
    "i had a bad fall skiing in 2015, broke my wrist, is that relevant?",
    "my dad fell off a ladder last year and hurt his back, he gets migraines too",
    "does ketamine interact with my blood pressure tablets?",
    "my blood pressure is usually 120/80, is that ok for the infusion?",
    "i have a cold, a bit of a temperature, and my usual migraine, should i still come in?",
    "my neck is stiff from sleeping funny, and i have a migraine, same as usual",
    "i'm 70 and have had migraine with aura my whole life",
    "i keep dropping hints to my husband that i need a holiday",
    "numbness in my toes from my diabetes, known for years",
    "my vision is blurry without my glasses lol",
    "i'm taking a double dose of coffee today to get through",
    "i nearly passed out from boredom at the meeting",
    "i cut my finger chopping onions, can i still have my infusion?",
    "my baby is 4 months old, can i have ketamine while breastfeeding?",
    "i'm pregnant, is ketamine safe?",
    "i'm pregnant and have my usual mild migraine, what can i take?",
    "what happens if you take too much ibuprofen?",
    "how much paracetamol is safe in a day?",
    "my aunt killed herself when i was a teenager, it still affects me, can ketamine help with grief?",
    "i'm so done with this weather",
    "i'd kill for a good night's sleep",
    "if i have to fill in one more form i'll scream",
    "my mum collapsed with laughter when she saw my new haircut",
    "my arm is sore from the cannula yesterday",
    "i feel a bit weak and tired after my migraine, the postdrome, always like this",
    "i have tingling in my fingers with every aura, it lasts 20 minutes and goes",
    "my speech gets a bit muddled during my aura, my neurologist knows, it's always the same",
    "can i take triptans after the infusion?",
    "i get flashing lights before every migraine since i was a teen",
    "the infusion nurse said my bp was a bit high but it went down, fine now",
    "last week i had a headache that came on fast but it was just my usual migraine, gone now",
    "my headache is killing me today, same as my usual migraines",
    "i'm dying to try the ketamine treatment",
    "my mum died from a stroke when i was small",
    "i have a history of depression but im doing well now",
    "is it normal to feel numb in my fingers during an aura? it always goes after 20 mins",
    "what does thunderclap headache mean?",
    "does ketamine help with suicidal thoughts in depression?",
    "i get a stiff neck before my migraines, it's normal for me",
    "how do i know if my aura is a stroke?",
    "i had a tia 5 years ago and have been fine since",
    "my aura vision goes funny for 15 minutes, like always, then the headache",
    "i fainted when i had my blood taken last year",
    "my friend said she wanted to die of embarrassment lol",
    "my son had a seizure when he was 2 with a fever, hes now 12 and fine",
    "no numbness, no slurred speech, no weakness, just a bad migraine",
    "can you tell me the signs of meningitis?",
    "i'm 65, have had the same migraines for 40 years, want to try ketamine",
    "i'm not going to hurt myself, i just need help with the pain",
    "i feel heavy and tired after my infusion, is that expected?",
    "my grandmother had pre-eclampsia, does that affect me?",
    "this migraine is killing me",
    "i could murder a coffee",
    "my head is exploding with all this paperwork lol",
    "my grandma had a stroke at 80",
    "my father died of a brain tumour, does that raise my risk?",
    "i had meningitis as a child",
    "my usual aura, zigzags for 20 minutes, then the headache",
    "i get pins and needles in my hand with every aura, always have",
    "what are the signs of a stroke?",
    "is a stiff neck a red flag for migraine?",
    "can ketamine cause high blood pressure?",
    "how long does an aura usually last?",
    "i fainted once at school when i was 14",
    "my numbness from the aura went away after 15 minutes like always",
    "no thoughts of suicide, just tired of the pain",
    "i am not suicidal, i just want the headaches to stop",
    "my sister had postpartum pre-eclampsia years ago",
    "i was pregnant last year and had bad migraines, baby is 8 months now",
    "im 55 and have had migraines since i was 20, same as always",
    "i feel dead tired after my infusion, is that normal?",
    "can i drive home after the infusion?",
    "i had a seizure 15 years ago, none since, is ketamine safe?",
    "my vision goes a bit blurry during a migraine, always has",
    "i nearly died laughing at your hold music",
    "the nurse numbed my arm last time, can she do it again?",
    "worst migraine of the month, but it feels like my normal ones",
    "my neck gets stiff with every migraine",
    "what should i do if someone has a seizure?",
    "i had a concussion two years ago, recovered fully",
]


@pytest.mark.parametrize("text", SPAN_EMERGENCIES)
def test_span_emergencies_get_a_safety_reply(text: str) -> None:
    assert assess(text).level in ("emergency", "urgent_check", "crisis"), text


@pytest.mark.parametrize("text", SPAN_CRISES)
def test_span_crises_get_crisis(text: str) -> None:
    assert assess(text).level == "crisis", text


@pytest.mark.parametrize("text", SPAN_SAFE)
def test_span_safe_messages_get_no_alarm(text: str) -> None:
    assert assess(text).level in ("none", "clear"), text


@pytest.mark.parametrize(
    "text",
    [
        "my usual aura but now my speech is slurred",
        "my usual migraine but this one is the worst headache of my life",
        "my speech is slurred. my migraines are always the same",  # the usual is said of something else
    ],
)
def test_a_turn_after_the_usual_keeps_the_alarm(text: str) -> None:
    assert assess(text).level == "emergency", text


@pytest.mark.parametrize(
    "text",
    [
        "felt like my skull would crack open, my usual migraine though",
        "i always get a sudden headache when i eat ice cream",
        "my words get a bit muddled during my aura, always the same",
    ],
)
def test_hyperbole_about_a_usual_attack_stays_clear(text: str) -> None:
    assert assess(text).level in ("none", "clear"), text


def test_punctuation_only_clauses_are_skipped_and_signs_between_them_still_fire() -> None:
    assert assess("," * 5000).level == "none"
    assert assess(",,,, my face is drooping ,,,,").level == "emergency"
