"""Korean particles after a number or a word the page fills in: 로/으로, 을/를, 이/가, 은/는, 과/와.

A Korean particle depends on the last sound of the word before it, and a number is read
aloud in Korean: ``0.6690`` ends in 영 (으로), ``0.6691`` in 일 (로: a final ㄹ takes 로),
``13`` in 삼 (으로), ``20`` in 십 (으로), ``1e-05`` in 오 (로). A catalogue writes the
particle as a format spec of its placeholder, ``{loss:으로}``, and ``i18n.translate`` fills
the right one (``with_particle``); without the spec a number is written without a particle.
"""

from __future__ import annotations

import re

# The last sound of each digit read in Sino-Korean: its final consonant ("" when none).
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ", "9": ""}
# An integer's trailing zeros name a unit: 십, 백, 천, 만, 억, 조, 경.
_UNIT_FINAL = [(1, "ㅂ"), (2, "ㄱ"), (3, "ㄴ"), (4, "ㄴ"), (8, "ㄱ"), (12, ""), (16, "ㅇ")]
_JONGSEONG = ["", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ", "ㅁ", "ㅂ",
              "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ"]
# (with a final consonant, without): the spec a catalogue may write names either form.
PAIRS = {"으로": ("으로", "로"), "로": ("으로", "로"), "을": ("을", "를"), "를": ("을", "를"), "이": ("이", "가"),
         "가": ("이", "가"), "은": ("은", "는"), "는": ("은", "는"), "과": ("과", "와"), "와": ("과", "와")}
_NUMBER_END = re.compile(r"(\d[\d,]*)(\.\d+)?(?:e[+-]?(\d+))?$")


def final_sound(text: str) -> str:
    """The final consonant of ``text`` as read in Korean ("" when it ends in a vowel)."""
    text = text.rstrip(" *`_)]")
    if not text:
        return ""
    last = text[-1]
    if "가" <= last <= "힣":
        return _JONGSEONG[(ord(last) - ord("가")) % 28]
    if last == "%":
        return ""  # 퍼센트
    match = _NUMBER_END.search(text)
    if match:
        whole, decimals, exponent = match.groups()
        if exponent is not None:
            return final_sound(exponent)
        if decimals:
            return _DIGIT_FINAL[decimals[-1]]  # digits after the point are read one by one
        digits = whole.replace(",", "")
        zeros = len(digits) - len(digits.rstrip("0"))
        if zeros == 0 or digits.strip("0") == "":
            return _DIGIT_FINAL[digits[-1]]
        return [final for count, final in _UNIT_FINAL if count <= zeros][-1]
    if last.isascii() and last.isalpha():
        return "ㄴ" if last.lower() in "mn" else "ㄹ" if last.lower() in "lr" else ""  # 엠, 엔, 엘, 알
    return ""


def particle(text: str, spec: str) -> str:
    """The form of the particle ``spec`` (e.g. ``"으로"``) that follows ``text``."""
    with_final, without = PAIRS[spec]
    final = final_sound(text)
    if with_final == "으로":
        return without if final in ("", "ㄹ") else with_final
    return with_final if final else without


def with_particle(text: str, spec: str) -> str:
    """``text`` followed by the right form of the particle ``spec``: ``0.6690으로``, ``0.6691로``."""
    return f"{text}{particle(text, spec)}"
