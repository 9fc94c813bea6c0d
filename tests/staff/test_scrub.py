"""staff/scrub.py: identifiers in a patient's message become placeholders; ordinary questions pass
unchanged."""

from __future__ import annotations

import pytest

from staff.scrub import scrub, vocabulary

VOCABULARY = vocabulary()


@pytest.mark.parametrize(
    "text, gone, kept",
    [
        (
            "Hi my name is John Smith, call me at 555-123-4567",
            ["John", "Smith", "555"],
            ["<name>", "<phone>"],
        ),
        ("my name is sarah and i get auras", ["sarah"], ["<name>", "auras"]),
        ("email me at jane.doe@example.com", ["jane", "example.com"], ["<email>"]),
        ("I was born on 03/14/1975 and I get auras", ["03/14", "1975"], ["<date>", "auras"]),
        (
            "my DOB is March 14, 1975. is ketamine safe",
            ["March", "14", "1975"],
            ["<date>", "ketamine"],
        ),
        ("Dr. Patel said to ask about Elavil", ["Patel"], ["<name>", "Elavil"]),
        ("I spoke to Sarah Jones yesterday about my aura", ["Sarah", "Jones"], ["<name>", "aura"]),
        ("my patient number is 12345678", ["12345678"], ["<number>"]),
        ("I live at 42 Oak Tree Road", ["Oak", "42"], ["<address>"]),
        ("call +1 (555) 010 9999 please", ["555", "9999"], ["<phone>"]),
        ("see https://my.portal.example/record/991", ["portal"], ["<link>"]),
    ],
)
def test_identifiers_are_replaced(text: str, gone: list, kept: list) -> None:
    out = scrub(text, VOCABULARY)
    for g in gone:
        assert g not in out, (text, out)
    for k in kept:
        assert k in out, (text, out)


@pytest.mark.parametrize(
    "text",
    [
        "how long does an aura last 20 minutes or 1 hour?",
        "What Is An Aura",
        "is ketamine better than Elavil",
        "this is about my aura",
    ],
)
def test_ordinary_questions_pass_unchanged(text: str) -> None:
    assert scrub(text, VOCABULARY) == text


@pytest.mark.parametrize(
    "text, gone, kept",
    [
        ("my name is jane doe and i get auras", ["jane", "doe"], ["<name>", "auras"]),
        ("this is tom baker, can ketamine help", ["tom", "baker"], ["<name>", "ketamine"]),
        ("write to jane dot doe at gmail dot com", ["jane", "doe", "gmail"], ["<email>"]),
        ("mail: j.doe @ example dot org", ["j.doe", "example"], ["<email>"]),
        ("ring me on 07700 900123", ["07700", "900123"], ["<phone>"]),
        ("dob 14/03/1975 and auras", ["14/03", "1975"], ["<date>", "auras"]),
        ("I live at 42 Oak Tree Road", ["Oak", "42"], ["<address>"]),
    ],
)
def test_spelled_out_and_lowercase_identifiers_are_replaced(
    text: str, gone: list, kept: list
) -> None:
    out = scrub(text, VOCABULARY)
    for g in gone:
        assert g not in out, (text, out)
    for k in kept:
        assert k in out, (text, out)
