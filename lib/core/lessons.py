"""The course map: lessons in course order. The entry point, the home page's map
and the browser tests all read this list, so a lesson exists in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    slug: str  # URL path, e.g. /tensors
    path: str  # page file, relative to the repository root
    icon: str
    # i18n keys are derived: "<slug>.title" and "<slug>.summary"

    @property
    def title_key(self) -> str:
        return f"{self.slug}.title"

    @property
    def summary_key(self) -> str:
        return f"{self.slug}.summary"


LESSONS: tuple[Lesson, ...] = (
    Lesson("home", "pages/home.py", "🏠"),
    Lesson("tensors", "pages/tensors.py", "🧊"),
    Lesson("autodiff", "pages/autodiff.py", "📐"),
    Lesson("linear", "pages/linear.py", "📏"),
    Lesson("training", "pages/training.py", "🔁"),
    Lesson("regression", "pages/regression.py", "📈"),
    Lesson("layers", "pages/layers.py", "🧱"),
    Lesson("design", "pages/design.py", "👕"),
    Lesson("optimizers", "pages/optimizers.py", "🏃"),
    Lesson("callbacks", "pages/callbacks.py", "⏱️"),
    Lesson("saving", "pages/saving.py", "💾"),
    Lesson("evaluation", "pages/evaluation.py", "🎯"),
)
