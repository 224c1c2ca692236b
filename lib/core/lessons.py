"""The course map: lessons in course order. The entry point, the home page's map
and the browser tests all read this list, so a lesson exists in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    slug: str  # URL path (/tensors), package (lib/lessons/tensors) and page file (pages/tensors.py)
    icon: str
    # i18n keys are derived: "<slug>.title" and "<slug>.summary"

    @property
    def path(self) -> str:
        """The page file, relative to the repository root."""
        return f"pages/{self.slug}.py"

    @property
    def title_key(self) -> str:
        return f"{self.slug}.title"

    @property
    def summary_key(self) -> str:
        return f"{self.slug}.summary"


# Course order, with each lesson's icon.
_COURSE = (("home", "🏠"), ("tensors", "🧊"), ("autodiff", "📐"), ("linear", "📏"), ("training", "🔁"),
           ("regression", "📈"), ("layers", "🧱"), ("design", "👕"), ("optimizers", "🏃"), ("callbacks", "⏱️"),
           ("saving", "💾"), ("evaluation", "🎯"))
LESSONS: tuple[Lesson, ...] = tuple(Lesson(slug, icon) for slug, icon in _COURSE)
