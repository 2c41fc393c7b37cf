"""Mixed-script words written back in their own script; digit disguises in Russian words."""

from __future__ import annotations

import pytest

from moderation.scripts import cyrillic_unleet, own_script


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("рaypal", "paypal"),  # Cyrillic р in an English word: "l" has no Cyrillic twin
        ("fuсk", "fuck"),
        ("pαypal", "paypal"),  # Greek alpha
        ("сyка", "сука"),  # Latin y in a Russian word: more Cyrillic letters
        ("xyй", "хуй"),  # "й" has no Latin twin, so the word is Russian
        ("пuдор", "пидор"),
        ("СУKА", "СУКА"),  # case is kept
        ("привет", "привет"),  # one script: unchanged
        ("hello", "hello"),
        ("сор", "сор"),
        ("iPhoneы", "iPhoneы"),  # a real mix: neither side wins, so no lookalike is touched
        ("", ""),
    ],
)
def test_own_script(word: str, expected: str) -> None:
    assert own_script(word) == expected
    assert own_script(own_script(word)) == own_script(word)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("п0рно", "порно"),  # a digit between Russian letters
        ("П0РНО", "ПОРНО"),
        ("3аебал", "заебал"),  # the token's only digit, opening a Russian word
        ("4ерт", "черт"),
        ("5й", "5й"),  # an ordinal
        ("2023году", "2023году"),  # a number with a case ending
        ("3д", "3д"),
        ("@vasya", "@vasya"),  # a mention
        ("h3ll0", "h3ll0"),  # Latin leet is normalize's business
        ("ху3", "ху3"),  # a trailing digit is not between letters
    ],
)
def test_cyrillic_unleet(token: str, expected: str) -> None:
    assert cyrillic_unleet(token) == expected
    assert cyrillic_unleet(cyrillic_unleet(token)) == cyrillic_unleet(token)
