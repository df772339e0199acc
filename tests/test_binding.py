"""Inputs bound by name: the handler Gradio sees lists the controls' names, in order."""

import inspect
from collections.abc import Iterator

import gradio as gr

from chatbot.ui.binding import Controls


def test_values_reach_the_function_by_name_whatever_its_parameter_order() -> None:
    form = Controls(a="component-a", b="component-b", c="component-c")
    handler = form.bind(lambda c, a, b: f"{a}{b}{c}")
    assert form.inputs == ["component-a", "component-b", "component-c"]
    assert list(inspect.signature(handler).parameters) == ["a", "b", "c"]
    assert handler(1, 2, 3) == "123"


def test_a_generator_stays_a_generator_so_gradio_streams_it() -> None:
    def count(upto: int) -> Iterator[int]:
        yield from range(upto)

    handler = Controls(upto="n").bind(count)
    assert inspect.isgeneratorfunction(handler)
    assert list(handler(3)) == [0, 1, 2]


def test_a_progress_parameter_is_kept_last_for_gradio_to_fill() -> None:
    def work(text: str, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
        return f"{text}:{type(progress).__name__}"

    handler = Controls(text="box").bind(work)
    params = inspect.signature(handler).parameters
    assert list(params) == ["text", "progress"]
    assert isinstance(params["progress"].default, gr.Progress)
    assert handler("hola", gr.Progress()) == "hola:Progress"
