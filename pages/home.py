from lib.core.streamlit_internals import require_entry_point

require_entry_point()  # before any heavy import: a deep link on a fresh server restarts through the entry point

import plotly.io  # noqa: F401  (imported early so the first chart draws fast)
import streamlit as st

from lib.core import ui
from lib.core.i18n import current_language, t
from lib.core.imports import load
from lib.core.lessons import LESSONS
from lib.lessons.home.code import matmul_code
from lib.lessons.home.controls import CONTROLS as C
from lib.lessons.home.figures import EVENTS, timeline
from lib.lessons.home.summary import timeline_summary

st.title(t("home.title"))
st.markdown(t("home.intro"))

st.header(t("home.libraries"))
cols = st.columns(2)
for i, lib_name in enumerate(("tensorflow", "keras", "pytorch", "jax")):
    with cols[i % 2].container(border=True):
        st.subheader(t(f"home.{lib_name}_name"))
        st.markdown(t(f"home.{lib_name}_text"))

st.header(t("home.history"))
st.plotly_chart(timeline([t(f"home.event_{key}") for _, _, key in EVENTS]), key="timeline")
ui.chart_summary(timeline_summary(current_language()))
st.caption(t("home.history_caption"))

st.header(t("home.map"))
for lesson in LESSONS[1:]:
    with st.container(border=True):
        st.page_link(lesson.path, label=t(lesson.title_key), icon=lesson.icon)
        st.caption(t(lesson.summary_key))

# TensorFlow is imported here, not at the top: on a fresh server the text above is on screen meanwhile.
# Whole, one thread at a time: another session may be importing it too (lib.core.imports).
load("tensorflow")
from lib.core.device import DEVICE, time_matmul  # noqa: E402

st.header(t("home.gpu") if DEVICE.kind == "GPU" else t("home.cpu"))  # say what this server has
st.markdown(t("home.gpu_text"))
kind = t("home.device_gpu") if DEVICE.kind == "GPU" else t("home.device_cpu")
st.info(t("home.device_found", label=DEVICE.label_in(current_language()), kind=kind), icon="🖥️")
n = ui.control(C["n"])
result = time_matmul(n)
c1, c2, c3 = st.columns(3)
c1.metric(t("home.flops"), f"{2 * n**3 / 1e9:.2f} GFLOP")
c2.metric(t("home.time"), f"{result['seconds'] * 1000:.2f} ms")
c3.metric(t("home.speed"), f"{result['gflops']:.1f} GFLOP/s")
st.caption(t("home.speed_caption"))
ui.code_panel(matmul_code(n, 3), "device_check.py", "home")
