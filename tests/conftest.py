"""Shared test set-up: quiet TensorFlow, no network, a throwaway Keras home."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["COURSE_OFFLINE"] = "1"  # never try the Fashion-MNIST download in tests
# Page tests train in this process (they patch lesson code here) and never read results an
# earlier run left on disk; tests/core/test_workers.py and the browser tests use both.
os.environ.setdefault("COURSE_BACKEND", "inline")
os.environ.setdefault("COURSE_RESULT_STORE", "off")
os.environ.setdefault("COURSE_WARM", "off")  # no background warm-up of the store from pages under test


import pytest  # noqa: E402


@pytest.fixture
def page():
    """Open a lesson page through the entry point (see tests/apptest.py)."""
    from tests.apptest import open_page

    return open_page
