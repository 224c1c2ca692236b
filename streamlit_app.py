"""Entry point: language, sidebar, navigation. Run with `streamlit run streamlit_app.py`.

The app owns the address: a lesson's link is read once, when the page opens, and at the
end of every completed run the address bar and the share control get the one link of the
values that run computed with (``lib.core.widgets``).
"""

from importlib import import_module
from pathlib import Path

from lib.core import imports

# First: a fresh server's first sessions run in parallel threads, and two threads importing the same packages
# at once can hand one of them a half-initialised module (lib.core.imports). numpy, pandas and Plotly whole,
# one thread at a time; each page's own packages below, before its script runs.
imports.shared()

import streamlit as st  # noqa: I001  (after the line above)

from lib.core import sections, ui, warm
from lib.core.i18n import t
from lib.core.lessons import LESSONS

ROOT = Path(__file__).parent

st.set_page_config(page_title="Deep Learning, Hands-On", page_icon="🧠", layout="wide")
ui.init_language()
st.set_page_config(page_title=t("common.app_title"))

st.html(ROOT / "lib/core/assets/course.css")  # what the theme cannot say; takes no space

# A plain list, no section: Streamlit draws a section's header as a <div> inside the <ul> of links.
# The first lesson is the default page, which Streamlit serves at the root ("/") whatever its url_path;
# its own address ("/home") is a hidden page that sends the learner to the root with the same link.
pages = [
    st.Page(lesson.path, title=t(lesson.title_key), icon=lesson.icon, url_path="" if i == 0 else lesson.slug,
            default=(i == 0))
    for i, lesson in enumerate(LESSONS)
]
first_alias = st.Page(LESSONS[0].path, title=t(LESSONS[0].title_key), icon=LESSONS[0].icon,
                      url_path=LESSONS[0].slug, visibility="hidden")
page = st.navigation([*pages, first_alias])
if page is first_alias:
    st.switch_page(pages[0], query_params=[(k, v) for k in st.query_params for v in st.query_params.get_all(k)])

slug = page.url_path or LESSONS[0].slug
controls = import_module(f"lib.lessons.{slug}.controls").CONTROLS
ui.language_picker()
device_line = st.sidebar.empty()  # filled after the lesson: its text is on screen before TensorFlow is imported
notice = ui.screen_links(controls, slug)  # on top of the page: link values that were ignored, said once
share = ui.share_box(controls)
ui.reset_button(controls)
ui.link_keeper()  # in the browser: the share control follows the address; Back returns to the last lesson
# A section of the page that reruns alone (lib.core.sections) publishes the link itself (no sidebar: the
# share control follows the address in the browser).
sections.page_started(lambda: ui.publish_page(controls, None, None))
try:
    with ui.friendly_errors():
        imports.prepare(ROOT / next(lesson.path for lesson in LESSONS if lesson.slug == slug))
        page.run()
finally:  # also after a page's st.stop()
    ui.device_box(device_line)
    # Once per server process, after its first page (which has the CPU to itself meanwhile): training
    # workers start and the default runs fill the result store in the background.
    warm.start_server_warming()
# Reached only by a completed run: one cut short by a newer rerun request writes nothing (the newer run will).
ui.publish_page(controls, notice, share)
sections.page_finished()
