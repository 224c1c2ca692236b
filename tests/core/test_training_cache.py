"""ui.train: one training per distinct spec, shared across sessions; real engine behind it."""

from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from lib.core import ui
    from lib.core.specs import FitSpec, RunSpec
    from tests.core.train_probe import fake_run

    epochs = st.slider("epochs", 1, 50, 5, key="epochs")
    result = ui.train(RunSpec(fit=FitSpec(epochs=epochs)), run=fake_run, extra_key="probe")
    st.text(f"trained={result['trained']} epochs={result['spec'].fit.epochs}")


def test_second_request_is_served_from_cache_across_sessions():
    from tests.core import train_probe

    train_probe.CALLS.clear()
    first = AppTest.from_function(_script, default_timeout=60)
    first.run()
    assert not first.exception
    assert first.text[0].value == "trained=1 epochs=5"
    first.run()  # same spec, same session
    second = AppTest.from_function(_script, default_timeout=60)
    second.run()  # same spec, another learner
    assert second.text[0].value == "trained=1 epochs=5"
    assert len(train_probe.CALLS) == 1
    second.slider(key="epochs").set_value(7).run()  # a new spec trains once more
    assert second.text[0].value == "trained=2 epochs=7"
    assert len(train_probe.CALLS) == 2


def _real_script():
    import streamlit as st

    from lib.core import ui
    from lib.core.specs import DataSpec, FitSpec, RunSpec, dense_stack

    seed = st.slider("seed", 0, 5, 0, key="seed")
    spec = RunSpec(data=DataSpec("moons", n_samples=200), model=dense_stack((8,)), fit=FitSpec(epochs=3, seed=seed))
    result = ui.train(spec)
    st.text(f"epochs={result.epochs_run} loss={result.history['loss'][-1]:.6f}")


def test_real_engine_through_ui_is_deterministic():
    from lib.core import engine
    from lib.core.specs import DataSpec, FitSpec, RunSpec, dense_stack

    at = AppTest.from_function(_real_script, default_timeout=120)
    at.run()
    assert not at.exception
    direct = engine.run(RunSpec(data=DataSpec("moons", n_samples=200), model=dense_stack((8,)),
                                fit=FitSpec(epochs=3, seed=0)))
    assert at.text[0].value == f"epochs=3 loss={direct.history['loss'][-1]:.6f}"


def test_every_job_gets_a_thread_so_the_gate_can_tell_it_its_place():
    """Ten runs at once: all ten start (and so reach the gate, which reports queue places);
    none waits unseen in a bounded thread pool, as the ninth did before."""
    import threading

    from lib.core import ui

    started, release = threading.Semaphore(0), threading.Event()

    def work():
        started.release()
        release.wait(5)
        return 1

    futures = [ui.run_in_thread(work) for _ in range(10)]
    assert all(started.acquire(timeout=5) for _ in range(10))
    release.set()
    assert sum(f.result(timeout=5) for f in futures) == 10
