"""Entry point: language, sidebar, navigation. Run with `streamlit run streamlit_app.py`."""

from importlib import import_module

import streamlit as st

from lib.core import ui
from lib.core.i18n import t
from lib.core.lessons import LESSONS

st.set_page_config(page_title="Deep Learning, Hands-On", page_icon="🧠", layout="wide")
ui.init_language()
st.set_page_config(page_title=t("common.app_title"))

pages = [
    st.Page(lesson.path, title=t(lesson.title_key), icon=lesson.icon, url_path=lesson.slug, default=(i == 0))
    for i, lesson in enumerate(LESSONS)
]
page = st.navigation({t("common.nav_course"): pages})

controls = import_module(f"lib.lessons.{page.url_path or LESSONS[0].slug}.controls").CONTROLS
ui.language_picker()
ui.device_box()
ui.screen_links(controls)
with ui.friendly_errors():
    page.run()
ui.share_box()
ui.reset_button(controls)
