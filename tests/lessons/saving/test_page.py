"""The save/load/predict page in the real app: numbers shown, share-link controls, uploads and refusals."""

import io
import json
import zipfile

import numpy as np
import pytest

from lib.core.numbers import fmt
from lib.lessons.saving import files, lab
from tests.apptest import texts

SMALL = {"sv_images": "1000", "sv_epochs": "2", "sv_units": "20"}  # 800 training images, 2 epochs: about a second
SPEC = lab.SavingSpec(images=1000, units=20, epochs=2)


@pytest.fixture(scope="module")
def own_run() -> lab.SavedRun:
    return lab.train_and_save(SPEC)  # same spec, same numbers as the page's run through ui.train


def codes(at) -> list[str]:
    return [c.value for c in at.code]


def chart(at, key: str) -> dict:
    """The plotly spec of the chart drawn with ``key``."""
    return next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}"))


def summary_with(at, start: str) -> str:
    found = [c.value for c in at.caption if c.value.startswith(start)]
    assert len(found) == 1, (start, [c.value for c in at.caption])
    return found[0]


@pytest.mark.parametrize("lang, title", [("en", "Save, load, predict"), ("ko", "저장, 불러오기, 예측")])
def test_page_in_both_languages(page, lang, title):
    at = page("saving", lang, **SMALL)
    # the sentences under the file's parts and the prediction grid, checked against what those charts draw
    bars = chart(at, "composition")["data"]
    total = f"{sum(bar['x'][0] for bar in bars):,.0f} KB"
    parts = ", ".join(f"{bar['name']} {bar['text'][0]}" for bar in bars)
    start = {"en": f"fashion_mlp.keras is {total}: ", "ko": f"fashion_mlp.keras 전체 크기: {total}. 구성: "}[lang]
    assert summary_with(at, start) == start + parts + "."
    titles = [a["text"] for a in chart(at, "predictions")["layout"]["annotations"]]
    right = sum(title.startswith("✓") for title in titles)
    expected = {"en": f"The model predicts {right} of the {len(titles)} images shown correctly.",
                "ko": f"보이는 이미지 {len(titles)}개 중 맞게 예측한 이미지: {right}개."}[lang]
    assert expected in [c.value for c in at.caption]
    assert not at.exception
    assert at.title[0].value == title
    assert not at.error
    shown = texts(at)
    assert "fashion_mlp.keras" in shown and "metadata.json" in shown
    assert len(at.get("plotly_chart")) >= 5  # curves, file parts, diagram, predictions, probabilities
    assert at.get("file_uploader")


def test_numbers_and_code_follow_the_controls(page, own_run):
    at = page("saving", "en", code=["train"], **SMALL)
    run = own_run
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Validation accuracy"] == fmt(run.final["val_accuracy"])
    assert metrics["Trainable parameters"] == f"{784 * 20 + 20 + 20 * 10 + 10:,}"
    assert metrics["Loaded: evaluate() accuracy"] == metrics["Trained: last val_accuracy"]
    assert any("bit for bit" in s.value for s in at.success)
    train_code = next(c for c in codes(at) if "model.save(" in c)
    assert "for epoch in range(2):" in train_code and "Dense(20," in train_code and "IMAGES = 1000" in train_code

    loss, val_acc = run.history["loss"], run.history["val_accuracy"]
    best = int(np.argmax(val_acc))
    assert summary_with(at, "Training loss") == (
        f"Training loss fell from {loss[0]:.4f} to {loss[-1]:.4f} over 2 epochs. "
        f"Validation accuracy was highest ({val_acc[best]:.4f}) at epoch {best + 1}.")
    params = f"{784 * 20 + 20 + 20 * 10 + 10:,}"
    assert f"with {params} parameters in all; input (None, 28, 28), output (None, 10)." in summary_with(
        at, "The diagram shows")

    at.slider(key="sv_epochs").set_value(3).run()
    assert not at.exception
    assert "for epoch in range(3):" in next(c for c in codes(at) if "model.save(" in c)
    assert " over 3 epochs. " in summary_with(at, "Training loss")  # the sentence follows the run


def test_format_choice_shows_that_file(page):
    at = page("saving", "en", code=["inspect"], **SMALL, sv_format="h5")
    assert not at.exception
    shown = texts(at)
    assert "legacy" in shown and "model_config" in "\n".join(str(df.value) for df in at.dataframe)
    assert any('h5py.File("fashion_mlp.h5"' in c for c in codes(at))
    at.radio(key="sv_format").set_value("weights").run()
    assert any('h5py.File("fashion_mlp.weights.h5"' in c for c in codes(at))


def test_prediction_rows_follow_the_slider(page):
    at = page("saving", "en", code=["predict"], **SMALL, sv_first="198", sv_count="4")
    assert not at.exception
    code = next(c for c in codes(at) if "np.argmax(probabilities" in c)
    assert "for row in [198, 199, 0, 1]:" in code  # wraps round at the end of the 200 validation images
    assert "Image **198**" in texts(at)


def _upload(at, name: str, data: bytes):
    at.get("file_uploader")[0].set_value((name, data, "application/octet-stream"))
    return at.run()


def test_uploads_are_refused_or_loaded(page, tmp_path, own_run):
    import keras

    at = page("saving", "en", **SMALL)
    own = own_run.keras_bytes
    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                              keras.layers.Lambda(lambda v: v * 3.0), keras.layers.Dense(10)])
    model.save(tmp_path / "lambda.keras")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3"}))
    bad = {
        "lambda": (tmp_path / "lambda.keras").read_bytes(),
        "not a zip": b"hello, I am a text file",
        "no config.json": out.getvalue(),
        "8 MB": bytes(files.MAX_UPLOAD_BYTES + 1),
    }
    for needle, data in bad.items():
        _upload(at, "model.keras", data)
        assert not at.exception
        errors = "\n".join(e.value for e in at.error)
        assert needle.split()[0].lower() in errors.lower(), (needle, errors)
        assert at.title[0].value == "Save, load, predict"  # the page carries on

    _upload(at, "mine.keras", own)
    assert not at.exception and not at.error
    assert any("mine.keras loaded safely" in s.value for s in at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert "Input shape (None, 28, 28), output shape (None, 10)." in texts(at)
    assert metrics["Accuracy on these validation images"] == metrics["Trained: last val_accuracy"]


def test_ready_made_files_in_korean(page):
    # From the link, not set_value: AppTest formats choices outside the session, i.e. in English.
    at = page("saving", "ko", **SMALL, sv_sample="lambda")
    assert not at.exception
    assert any("Lambda" in e.value for e in at.error)
    at = page("saving", "ko", **SMALL, sv_sample="own")
    assert not at.exception and not at.error
    assert any("안전하게 불러왔습니다" in s.value for s in at.success)


def test_odd_url_values_give_notices_not_tracebacks(page):
    # Garbage outside the training settings, so the run is the cached small one (test_query_params covers the rest).
    at = page("saving", "en", **SMALL, sv_format="zip", sv_sample="virus", sv_first="1e9", sv_count="7")
    assert not at.exception
    notices = "\n".join(w.value for w in at.warning)
    assert "zip" in notices and "virus" in notices and "1e9" in notices
