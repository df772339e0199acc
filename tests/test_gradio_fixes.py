"""The launch-time Gradio fixes change what the server spends, never what a browser receives."""

import inspect
import logging
import sys
import types
from collections.abc import Iterator

import gradio as gr
import gradio.blocks
import gradio.networking
import pytest
from gradio.state_holder import SessionState

from chatbot.context import AppContext
from chatbot.i18n import cli_lang, say
from chatbot.settings import Settings
from chatbot.ui import gradio_fixes
from chatbot.ui.demo import build_demo

GRADIOS_URL_OK = gradio.networking.url_ok  # as Gradio ships it (imported before any apply())
GRADIOS_SESSION_INIT = SessionState.__init__


@pytest.fixture(autouse=True)
def gradios_own_start_check() -> Iterator[None]:
    """Each test starts from Gradio's own start-up check and new sessions, and leaves them so."""
    gradio.networking.url_ok = GRADIOS_URL_OK
    SessionState.__init__ = GRADIOS_SESSION_INIT  # type: ignore[method-assign]
    yield
    gradio.networking.url_ok = GRADIOS_URL_OK
    SessionState.__init__ = GRADIOS_SESSION_INIT  # type: ignore[method-assign]


def test_a_new_session_gets_the_same_page_config_with_cached_signatures() -> None:
    demo = build_demo(AppContext.create(Settings.from_env({}), embedded=False))
    before = SessionState(demo).config_values
    assert isinstance(before, dict) and len(before) > 300  # Gradio's own: every block's, eagerly
    page = demo.get_config_file()
    matplotlib_was = sys.modules.get("matplotlib", "absent")
    try:
        gradio_fixes.apply()
        signature = gradio.blocks.inspect.signature
        assert signature(gr.Textbox.__init__) is signature(gr.Textbox.__init__)  # computed once
        assert signature(gr.Textbox.__init__) == inspect.signature(gr.Textbox.__init__)
        after = SessionState(demo)
        assert not after.config_values._made  # type: ignore[attr-defined]  # none made yet
        assert dict(after.config_values) == before  # a deep link reads them all: the same
        assert list(after.components) == [c for c in before.values() if c]
        assert demo.get_config_file() == page
        if matplotlib_was == "absent":  # this environment has no matplotlib
            assert sys.modules["matplotlib"] is None
    finally:
        gradio.blocks.inspect = inspect
        if matplotlib_was == "absent":
            sys.modules.pop("matplotlib", None)


@pytest.mark.parametrize("shape", ["no inspect attribute", "inspect replaced by something else"])
def test_unexpected_gradio_internals_are_left_alone_with_a_warning(
        shape: str, caplog: pytest.LogCaptureFixture) -> None:
    """A Gradio that renamed what the fix patches loses the speed-up; it still launches."""
    blocks = types.ModuleType("gradio.blocks")
    if shape != "no inspect attribute":
        blocks.inspect = object()  # type: ignore[attr-defined]
    before = dict(vars(blocks))
    matplotlib_was = sys.modules.get("matplotlib", "absent")
    try:
        with caplog.at_level(logging.WARNING, logger="chatbot.ui.gradio_fixes"):
            applied = gradio_fixes.apply(blocks)
    finally:
        if matplotlib_was == "absent":
            sys.modules.pop("matplotlib", None)
    assert "signature cache" not in applied
    assert dict(vars(blocks)) == before
    assert say(cli_lang(), "gradio_fixes.no_signature_cache") in caplog.text  # the host's language


def test_the_start_check_waits_for_a_page_that_answers_late() -> None:
    """Gradio's own check gives up at its first 3-second timeout, and the app exited on a busy
    machine ("When localhost is not accessible…"); patched, it waits for the late answer."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Slow(BaseHTTPRequestHandler):
        heads = 0

        def do_HEAD(self) -> None:
            Slow.heads += 1
            if Slow.heads == 1:
                time.sleep(3.5)  # past the check's timeout, as a loaded machine answers
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        assert gradio.networking.url_ok(url) is False  # Gradio's own check, as it ships
        Slow.heads = 0
        gradio_fixes.apply()
        assert gradio.networking.url_ok(url) is True
        assert Slow.heads == 2
    finally:
        server.shutdown()


def test_a_session_makes_only_the_configs_an_event_updates() -> None:
    """An event's new value lands in its block's config as in Gradio's eager copy; the other
    blocks' configs are not made."""
    demo = build_demo(AppContext.create(Settings.from_env({}), embedded=False))
    textbox = next(b for b in demo.blocks.values() if isinstance(b, gr.Textbox))
    eager = SessionState(demo)
    eager._update_value_in_config(textbox._id, "hola")
    gradio_fixes.apply()
    lazy = SessionState(demo)
    lazy._update_value_in_config(textbox._id, "hola")
    assert list(lazy.config_values._made) == [textbox._id]  # type: ignore[attr-defined]
    assert lazy.config_values[textbox._id]["props"]["value"] == "hola"
    assert dict(lazy.config_values) == eager.config_values


def test_a_gradio_whose_sessions_changed_keeps_its_own_with_a_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    class SessionState:  # reads another attribute of the Blocks than the fix knows
        def __init__(self, blocks: object) -> None:
            self.config_values = {k: None for k in blocks.fns}  # type: ignore[attr-defined]

    module = types.ModuleType("gradio.state_holder")
    module.SessionState = SessionState  # type: ignore[attr-defined]
    own = SessionState.__init__
    with caplog.at_level(logging.WARNING, logger="chatbot.ui.gradio_fixes"):
        assert not gradio_fixes._session_configs_on_demand(module)
    assert SessionState.__init__ is own
    assert say(cli_lang(), "gradio_fixes.no_configs_on_demand") in caplog.text
