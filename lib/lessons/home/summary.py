"""The timeline's numbers in one sentence, for screen readers and a quick read."""

from __future__ import annotations

from collections import Counter

from lib.core.i18n import translate
from lib.lessons.home.figures import EVENTS, LANES


def timeline_summary(lang: str) -> str:
    """How many events the timeline draws, over which years, and how many on each library's lane."""
    years = [int(date[:4]) for date, _, _ in EVENTS]
    per_lane = Counter(lane for _, lane, _ in EVENTS)
    lanes = ", ".join(f"{lane} {per_lane[lane]}" for lane in LANES if per_lane[lane])
    return translate(lang, "home.timeline_summary", n=len(EVENTS), first=min(years), last=max(years), lanes=lanes)
