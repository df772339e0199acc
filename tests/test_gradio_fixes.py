"""The launch-time Gradio fixes change what the server spends, never what a browser receives."""

import inspect
import sys

import gradio as gr
import gradio.blocks
from gradio.state_holder import SessionState

from chatbot.context import AppContext
from chatbot.settings import Settings
from chatbot.ui import gradio_fixes
from chatbot.ui.demo import build_demo


def test_a_new_session_gets_the_same_page_config_with_cached_signatures() -> None:
    demo = build_demo(AppContext.create(Settings.from_env({}), embedded=False))
    before = SessionState(demo).config_values
    page = demo.get_config_file()
    matplotlib_was = sys.modules.get("matplotlib", "absent")
    try:
        gradio_fixes.apply()
        signature = gradio.blocks.inspect.signature
        assert signature(gr.Textbox.__init__) is signature(gr.Textbox.__init__)  # computed once
        assert signature(gr.Textbox.__init__) == inspect.signature(gr.Textbox.__init__)
        assert SessionState(demo).config_values == before
        assert demo.get_config_file() == page
        if matplotlib_was == "absent":  # this environment has no matplotlib
            assert sys.modules["matplotlib"] is None
    finally:
        gradio.blocks.inspect = inspect
        if matplotlib_was == "absent":
            sys.modules.pop("matplotlib", None)
