"""actions/phone.py: numbers found in messages, validated and normalised with `phonenumbers`."""

from __future__ import annotations

import pytest

from actions.phone import candidates, normalise


@pytest.mark.parametrize(
    "typed, e164",
    [
        ("(201) 555-0123", "+12015550123"),
        ("201.555.0123", "+12015550123"),
        ("+1 415 555 2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_valid_numbers_are_normalised_to_e164(typed: str, e164: str) -> None:
    assert normalise(typed, "US") == e164


def test_a_number_without_country_code_is_read_in_the_default_region() -> None:
    assert normalise("020 7946 0958", "GB") == "+442079460958"
    assert normalise("020 7946 0958", "US") is None


@pytest.mark.parametrize("typed", ["12345", "555-0100", "000 000 0000", "call me", "", "1" * 45])
def test_bad_numbers_are_refused(typed: str) -> None:
    assert normalise(typed, "US") is None


def test_candidates_are_runs_of_seven_digits_or_more() -> None:
    text = "call 911, i took 400 mg at 10:30, my number is (201) 555-0123 thanks"
    assert [text[a:b] for a, b in candidates(text)] == ["(201) 555-0123"]
    assert candidates("no digits here") == []
