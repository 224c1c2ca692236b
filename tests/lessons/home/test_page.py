import pytest

from tests.apptest import open_code, texts


@pytest.mark.parametrize("lang, title", [("en", "Deep Learning, Hands-On"), ("ko", "손으로 익히는 딥러닝")])
def test_home_in_both_languages(page, lang, title):
    at = page("home", lang)
    assert not at.exception
    assert at.title[0].value == title
    assert len(at.get("plotly_chart")) == 1  # the timeline


def test_home_timeline_has_every_event(page):
    import json

    at = page("home")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    labels = [text for trace in spec["data"] for text in trace["y"]]
    assert "TF 2.0: Keras is the official API" in labels
    assert len(labels) == 9


def test_matmul_slider_updates_numbers(page):
    at = page("home", code=True)
    at.slider(key="n").set_value(128).run()
    shown = texts(at)
    # 2·128³ = 4,194,304 operations
    assert "0.00 GFLOP" in shown or "0.004" in shown or any(m.value == "0.00 GFLOP" for m in at.metric)
    assert "n = 128" in at.code[0].value
    at.slider(key="n").set_value(1024).run()
    assert any(m.value == "2.15 GFLOP" for m in at.metric)  # 2·1024³ / 1e9
    assert "n = 1024" in at.code[0].value


def test_a_code_panel_sends_its_code_only_while_open(page):
    at = page("home")
    assert [e.label for e in at.expander] == ["Show the code that ran"]
    assert not at.code and not at.get("download_button")  # closed: nothing to highlight in the browser
    open_code(at, ["home"]).run()
    assert "n = 512" in at.code[0].value
    assert [b.proto.label for b in at.get("download_button")] == ["Download as .py"]
    at.slider(key="n").set_value(640).run()  # the panel stays open and follows the slider
    assert "n = 640" in at.code[0].value
    assert at.query_params.get("n") in (["640"], "640") and set(at.query_params) == {"lang", "n"}  # not in links
    at.session_state["code_home"] = False
    at.run()
    assert not at.code and not at.get("download_button")


def test_sidebar_shows_device_and_versions(page):
    at = page("home")
    side = "\n".join(c.value for c in at.sidebar.caption)
    import tensorflow as tf

    from lib.core.device import DEVICE

    # Whatever this machine trains on: the device TensorFlow lists, never an assumed CPU.
    assert DEVICE.kind == ("GPU" if tf.config.list_physical_devices("GPU") else "CPU")
    assert DEVICE.label_in("en") in side and "TensorFlow" in side and "Keras" in side


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_timeline_summary_says_what_the_chart_draws(page, lang):
    import json

    at = page("home", lang)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    years = [int(x[:4]) for trace in spec["data"] for x in trace["x"]]
    lanes = ", ".join(f"{trace['name']} {len(trace['x'])}" for trace in spec["data"] if trace["x"])
    first, last, n = min(years), max(years), len(years)
    expected = {"en": f"The timeline shows {n} events from {first} to {last}, per library: {lanes}.",
                "ko": f"타임라인에는 {first}년부터 {last}년까지 사건 {n}개가 있습니다. 라이브러리별: {lanes}."}
    assert expected[lang] in [c.value for c in at.caption]
    assert "Keras 4" in lanes and len(years) == 9
