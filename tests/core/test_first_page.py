"""A fresh server's first page draws its text before TensorFlow is imported.

Importing TensorFlow takes seconds; the entry point and the modules every page shares
must not pull it in, so a lesson's title and text reach the browser at once and the
sidebar's device line (which needs TensorFlow) is filled after the lesson.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHARED = ["lib.core.ui", "lib.core.live", "lib.core.progress", "lib.core.sections", "lib.core.widgets",
          "lib.core.warm", "lib.core.watchers", "lib.core.workers", "lib.core.store", "lib.core.i18n",
          "lib.core.lessons", "lib.core.summaries", "lib.lessons.home.figures", "lib.lessons.home.code"]


def test_the_modules_every_page_shares_do_not_import_tensorflow():
    probe = (f"import sys\nfor name in {SHARED!r}:\n    __import__(name)\n"
             "print(sorted(m for m in ('tensorflow', 'keras', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_home_page_imports_tensorflow_after_its_text():
    source = (ROOT / "pages/home.py").read_text()
    device_import = source.index("from lib.core.device import")
    assert "import tensorflow" not in source[:device_import]
    for drawn_first in ('st.title(t("home.title"))', 'st.plotly_chart(timeline(', 'st.page_link('):
        assert source.index(drawn_first) < device_import, drawn_first


def test_the_first_page_loads_no_tensorflow_before_its_text():
    # The entry point loads each page's third-party packages under one lock before the page runs
    # (lib.core.imports): the home page's set must stay free of TensorFlow, or its text would wait for it.
    from lib.core import imports

    assert not {m.split(".")[0] for m in imports.third_party(str(ROOT / "pages/home.py"))} & {"tensorflow", "keras",
                                                                                          "sklearn"}
