"""The optimizers page in a real AppTest: surfaces, the optimizer's state, the race table, divergence explained."""

import json

import pytest

from tests.apptest import code_with, texts


def summary_with(at, start: str) -> str:
    """The one chart summary that starts with ``start``."""
    found = [c.value for c in at.caption if c.value.startswith(start)]
    assert len(found) == 1, (start, [c.value for c in at.caption])
    return found[0]


def listed_lowest(names, values) -> str:
    """"a 1, b 2 (lowest: a, 1)" from a table's name and value columns, the lowest found here."""
    items = ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True))
    best = min(range(len(values)), key=lambda i: float(values[i]))
    return f"{items} ({{lowest}}: {names[best]}, {values[best]})"


def table(at, column: str):
    """The first dataframe that has ``column``."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


@pytest.mark.parametrize("lang, title, optimizer_col", [("en", "Optimizers compared", "Optimizer"),
                                                         ("ko", "옵티마이저 비교", "옵티마이저")])
def test_page_in_both_languages(page, lang, title, optimizer_col):
    at = page("optimizers", lang, code=["race"])
    assert not at.exception
    assert at.title[0].value == title
    assert len(at.get("plotly_chart")) == 4  # surface, loss per step, optimizer state, race
    paths = at.dataframe[0].value
    assert len(paths) == 6 and paths.iloc[0, 0] == "SGD"
    race = at.dataframe[2].value
    assert len(race) == 6 and optimizer_col in race.columns
    assert race.iloc[:, -1].nunique() == 1  # every racer started from the same weights (one fingerprint)
    shown = texts(at)
    assert "keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)" in shown
    assert not at.warning and not at.error
    # the sentences under the loss-per-step chart and the race, read against the tables beside them
    lowest = {"en": "lowest", "ko": "가장 낮음"}[lang]
    paths = at.dataframe[0].value
    walks = listed_lowest(list(paths.iloc[:, 0]), list(paths.iloc[:, 4])).replace("{lowest}", lowest)
    assert summary_with(at, {"en": "Loss after 200 steps: ", "ko": "200스텝 후 손실: "}[lang]).endswith(walks + ".")
    racers = listed_lowest(list(race.iloc[:, 0]), list(race.iloc[:, 5])).replace("{lowest}", lowest)
    start = {"en": "Last validation loss after up to 30 epochs: ", "ko": "최대 30 에포크 후 마지막 검증 손실: "}[lang]
    assert summary_with(at, start) == start + racers + "."


def test_surface_controls_update_the_table_and_the_code(page):
    at = page("optimizers", code=["paths"])
    lr_col = "Learning rate"
    assert table(at, "How it ended")[lr_col].tolist()[0] == "0.1"
    at.slider(key="sf_loglr_sgd").set_value(-0.5).run()
    assert not at.exception
    paths = table(at, "How it ended")
    assert paths[lr_col].tolist()[0] == "0.316"
    assert f"SGD {paths['Final loss'].tolist()[0]}, " in summary_with(at, "Loss after 200 steps: ")  # follows it
    assert "keras.optimizers.SGD(learning_rate=0.316)" in code_with(at, "apply_gradients")
    at.toggle(key="sf_on_adam").set_value(False).run()
    assert "Adam" not in table(at, "How it ended")["Optimizer"].tolist()
    assert '"adam"' not in code_with(at, "apply_gradients")
    at.selectbox(key="sf_fn").set_value("rosenbrock").run()
    assert at.slider(key="sf_x0_rosenbrock").value == -1.2
    assert "(1 - x) ** 2 + 100 * (y - x * x) ** 2" in code_with(at, "apply_gradients")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["xaxis"]["range"] == [-2.0, 2.0]


def test_inside_the_optimizer_shows_its_own_variables(page):
    at = page("optimizers", "en", code=["inside"], in_opt="adagrad")
    assert not at.exception
    figure = json.loads(at.get("plotly_chart")[2].proto.spec)
    titles = [a["text"] for a in figure["layout"]["annotations"]]
    assert any("accumulator" in title for title in titles)
    assert "G (accumulator)" in at.dataframe[1].value.columns
    assert "keras.optimizers.Adagrad(learning_rate=0.501)" in code_with(at, "optimizer.build([w])")
    assert summary_with(at, "Adagrad over 200 steps: the gradient's length went from ")


def test_race_table_follows_learning_rate_and_optimizer_choice(page):
    at = page("optimizers", code=["race"])
    before = table(at, "Final val. accuracy").set_index("Optimizer")
    at.number_input(key="race_lr_adam").set_value(0.05).run()
    assert not at.exception
    after = table(at, "Final val. accuracy").set_index("Optimizer")
    assert after.loc["Adam", "Learning rate"] == "0.05"
    assert after.loc["Adam", "Final val. loss"] != before.loc["Adam", "Final val. loss"]
    # Only Adam retrained: SGD's numbers stay (its wall time may now say "from the cache", trained or not before)
    numbers = [row for row in before.columns if not row.startswith("Wall time")]
    assert after.loc["SGD", numbers].equals(before.loc["SGD", numbers])
    assert "keras.optimizers.Adam(learning_rate=0.05)" in code_with(at, "model.compile(optimizer=optimizer")
    at.toggle(key="race_on_sgd").set_value(False).run()
    racers = table(at, "Final val. accuracy")["Optimizer"].tolist()
    assert "SGD" not in racers and len(racers) == 5
    assert '"sgd"' not in code_with(at, "model.compile(optimizer=optimizer")


def test_a_divergent_learning_rate_is_explained_not_raised(page):
    at = page("optimizers", "en", code=["rates"], lr_run="true", lr_epochs="10", lr_right="0.1")
    assert not at.exception
    assert any("TerminateOnNaN" in e.value and "NaN" in e.value for e in at.error)
    shown = texts(at)
    assert "What happened in the diverging run?" in shown
    assert any(m.label == "Epochs run" and m.value.endswith("/ 10") and not m.value.startswith("10") for m in at.metric)
    assert any("About right" in s.value for s in at.success)
    assert "callbacks=[keras.callbacks.TerminateOnNaN()]" in code_with(at, "TerminateOnNaN")
    epochs_run = next(m.value for m in at.metric if m.label == "Epochs run" and not m.value.startswith("10"))
    rates = summary_with(at, "Last training loss: ")
    assert f": NaN, stopped in epoch {epochs_run.split(' / ')[0]}" in rates and "learning rate 0.1: " in rates


def test_a_walk_that_blows_up_is_reported(page):
    at = page("optimizers", "ko", sf_fn="rosenbrock", sf_loglr_sgd="0.5")
    assert not at.exception
    assert any("발산" in w.value for w in at.warning)
    assert any("💥" in str(v) for v in table(at, "결과")["결과"].tolist())
