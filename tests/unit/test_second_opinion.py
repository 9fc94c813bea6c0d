"""The learned second opinion (safety/second_opinion.py) with the real encoder and the committed
weights: it only ever adds sensitivity, reads long messages in windows, and its weights match the
corpus they were trained on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from safety import learn
from safety.detector import Assessment, assess
from safety.encoder import Encoder
from safety.second_opinion import (
    LABELS,
    MAX_WINDOWS,
    SecondOpinion,
    Weights,
    load_weights,
    screen,
    windows,
)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder()


@pytest.fixture(scope="module")
def opinion(encoder: Encoder) -> SecondOpinion:
    return SecondOpinion(encoder)


def test_the_encoder_puts_paraphrases_closer_than_unrelated_text(encoder: Encoder) -> None:
    droop, sag, hours = encoder.encode(
        [
            "one side of her face is drooping",
            "half his face is sagging",
            "when do you open on monday",
        ]
    )
    assert droop @ sag > droop @ hours + 0.3
    assert np.allclose(np.linalg.norm(encoder.encode(["a", "b c d"]), axis=1), 1.0, atol=1e-4)


def test_batches_give_the_same_vectors_as_single_texts(encoder: Encoder) -> None:
    texts = ["short", "a much longer message about an aura that lasted an hour"]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_long_messages_are_read_in_a_bounded_number_of_windows(encoder: Encoder) -> None:
    sentence = "I have had migraines since I was a teenager and they come every month. "
    parts = windows(sentence * 200, encoder.token_count)
    assert len(parts) == MAX_WINDOWS
    assert windows("   ", encoder.token_count) == []
    assert windows("one. two.", encoder.token_count) == ["one. two."]


@pytest.mark.parametrize("level", ["emergency", "crisis"])
def test_a_rule_alarm_is_never_read_again(opinion: SecondOpinion, level: str) -> None:
    verdict = Assessment(level, ("rule",), ())
    assert opinion.review("what time do you open", verdict) is verdict


def test_it_never_makes_a_verdict_milder(opinion: SecondOpinion) -> None:
    for level in ("none", "clear", "urgent_check"):
        for text in ("what time do you open", "i want to end it all tonight"):
            after = opinion.review(text, Assessment(level))
            order = ("crisis", "emergency", "urgent_check", "clear", "none")
            assert order.index(after.level) <= order.index(level)


def test_an_emergency_the_model_finds_becomes_a_check_never_the_full_reply() -> None:
    weights = load_weights()
    always = Weights(weights.coef * 0, np.array([0.0, 50.0, 0.0], np.float32), 0.8, 0.9)
    verdict = SecondOpinion(Encoder(), always).review("hello", Assessment("none"))
    assert verdict.level == "urgent_check" and "second_opinion" in verdict.flags


def test_ordinary_questions_stay_ordinary(opinion: SecondOpinion) -> None:
    for text in (
        "how long does a ketamine infusion session take?",
        "what is a migraine aura?",
        "do you take insurance",
        "how soon will I feel better after the drip",
    ):
        assert opinion.review(text, assess(text)).level in ("none", "clear"), text


def test_it_adds_what_the_rules_miss(opinion: SecondOpinion) -> None:
    # Written for this test (not in any corpus): plain statements the rules have no words for.
    cases = {
        "i have decided tonight is my last night on this earth": "crisis",
        "my grandad suddenly cant find any words and his mouth looks crooked": "urgent_check",
        "i keep thinking everyone would be better off if i was gone for good": "crisis",
    }
    wanted = {"crisis": {"crisis"}, "urgent_check": {"urgent_check", "emergency", "crisis"}}
    for text, level in cases.items():
        assert opinion.review(text, assess(text)).level in wanted[level], text


def test_screen_is_the_rules_when_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from safety import second_opinion

    monkeypatch.setenv("CLINIC_SECOND_OPINION", "off")
    second_opinion.shared.cache_clear()
    screen.cache_clear()
    try:
        text = "i have decided tonight is my last night on this earth"
        assert screen(text) == assess(text)
    finally:
        monkeypatch.delenv("CLINIC_SECOND_OPINION")
        second_opinion.shared.cache_clear()
        screen.cache_clear()


def test_the_weights_were_trained_on_todays_corpus() -> None:
    recorded = json.loads(learn.WEIGHTS_PATH.read_text(encoding="utf-8"))
    assert recorded["corpus_fingerprint"] == learn.fingerprint(learn.CORPUS)
    assert tuple(recorded["labels"]) == LABELS
    assert not any("sealed3" in name for name in recorded["corpus"])
