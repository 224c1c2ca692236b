"""End to end: the save/load/predict page with real file transfers in Chromium.

Download the page's own ``.keras`` file, upload it back through the file picker
(it loads and predicts), then upload bad files (not a zip, a zip without
``config.json``, a model with a Lambda layer) and see each refused with a message
while the page keeps working. A second browser session must not see the first
one's upload. Screenshots land in tests/e2e/screenshots/.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.e2e.test_browser import SHOTS, _settle, browser, server  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.e2e
SMALL = "sv_images=1000&sv_epochs=2&sv_units=20"  # a quick model: the test is about files, not training
UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


ALERTS = "Array.from(document.querySelectorAll('[data-testid=\"stMain\"] [data-testid=\"stAlert\"]'))" \
         ".map(e => e.innerText).join('|')"


def _upload(page, name: str, data: bytes) -> str:
    before = page.evaluate(ALERTS)
    page.locator(UPLOAD_INPUT).set_input_files({"name": name, "mimeType": "application/octet-stream",
                                                "buffer": data})
    # The uploader shows the file's name at once, before the rerun that reads it: wait until
    # the page's messages about the file have changed, then until that run has finished.
    page.wait_for_function(f"before => {{ const t = {ALERTS}; return t !== before && !t.includes('No file yet'); }}",
                           arg=before, timeout=60_000)
    _settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    return _main_text(page)


def _zip_without_config() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
    return out.getvalue()


def test_download_upload_and_refusals(server, browser):  # noqa: F811
    from lib.lessons.saving.lab import sample_file

    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(90_000)
    page = context.new_page()
    try:
        page.goto(f"{server}/saving?lang=en&{SMALL}")
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0

        # The download button hands over the real .keras file: a zip with the three entries.
        with page.expect_download() as info:
            page.locator('[data-testid="stDownloadButton"] button').first.click()
        download = info.value
        assert download.suggested_filename == "fashion_mlp.keras"
        data = open(download.path(), "rb").read()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]

        # ... and uploading it back loads it and predicts the same validation images.
        text = _upload(page, "fashion_mlp.keras", data)
        assert "fashion_mlp.keras loaded safely" in text
        assert "Accuracy on these validation images" in text
        page.locator("h2", has_text="4. Upload a model").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "saving-en-upload.png"), full_page=False)

        bad = {
            "is not a zip": ("notes.keras", b"epoch,loss\n1,0.5\n"),
            "has no `config.json`": ("no_config.keras", _zip_without_config()),
            "contains a `Lambda` layer": sample_file("lambda", b""),
        }
        for expected, (name, blob) in bad.items():
            text = _upload(page, name, blob).replace("`", "")
            assert expected.replace("`", "") in text, (expected, text[-800:])
            assert "loaded safely" not in text
            assert page.locator("h1").first.inner_text().strip() == "Save, load, predict"  # the page carries on
        page.locator('[data-testid="stAlert"]').last.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "saving-en-refused.png"), full_page=False)

        # Another learner's session on the same server sees no upload of this one.
        other = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            second = other.new_page()
            second.goto(f"{server}/saving?lang=en&{SMALL}")
            _settle(second)
            text = _main_text(second)
            assert "No file yet" in text and "loaded safely" not in text and "was refused" not in text
        finally:
            other.close()
    finally:
        context.close()
