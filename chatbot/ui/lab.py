"""Lab tab: see sampling happen. Only wiring: every computation lives in chatbot/lab/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import gradio as gr
import pandas as pd
from gradio.events import Dependency

from chatbot.context import AppContext, Session
from chatbot.i18n import DEFAULT, say
from chatbot.lab import compare, sampling, tables, votes
from chatbot.lab.distribution import Reshaped, candidates_from_rows, knobs, reshape
from chatbot.lab.fault_server import FAILURES, FaultServer
from chatbot.lab.simulate import (
    HANG_S,
    LABELS,
    TIMEOUT_S,
    simulate,
    simulator_pool,
    timeline_markdown,
)
from chatbot.lab.snippets import snippet
from chatbot.playground import parse_seed
from chatbot.ui.common import friendly, friendly_stream, model_line, show_result
from chatbot.ui.i18n import T

NEXT_HELP = T("lab.next_token_distribution_the")

RESHAPE_HELP = T("lab.reshape_it_no_new")

STEP_HELP = T("lab.step_through_draw_one")

SAMPLES_HELP = T("lab.samples_follow_the_probabilities")

COMPARE_HELP = T("lab.compare_one_prompt_under")

ERRORS_HELP = T("lab.error_simulator_a_simulated")

DEFAULT_CHAT = "Responde con una sola palabra: ¿de qué color es el cielo?"
DEFAULT_TEXT = "Érase una vez un robot que"
DEFAULT_TWEET = "Hoy empieza el curso nuevo, a ver qué tal va."
MODE_CHOICES: list[tuple[Any, str]] = [("Chat", "chat"), (T("lab.plain_text"), "completion")]
SENTIMENT_CHOICE: tuple[Any, str] = (T("lab.sentiment_the_text_is"), "sentiment")


def _plot(label: Any, x: str, y: str, color: str, height: int, elem_id: str | None = None
          ) -> gr.BarPlot:
    """Horizontal bars, one row per token in rank order: the labels stay readable on a phone,
    the scale fits the data (from 0), and the legend names each colour."""
    return gr.BarPlot(x=x, y=y, color=color, color_map=tables.COLORS, x_lim=[0, None],
                      height=height, label=label, x_title="p", y_title=" ", elem_id=elem_id)




def _shape_json(shape: Reshaped) -> dict[str, Any]:
    return asdict(shape)


def _sliders() -> tuple[gr.Slider, gr.Slider, gr.Slider]:
    return (
        gr.Slider(0, 2, value=1.0, step=0.05, label="temperature",
                  info=T("lab.0_greedy_1_sharpens")),
        gr.Slider(0, 20, value=0, step=1, label="top_k",
                  info=T("lab.keeps_the_k_likeliest")),
        gr.Slider(0.05, 1, value=1.0, step=0.05, label="top_p",
                  info=T("lab.keeps_the_smallest_set")),
    )


def _next_and_reshape(ctx: AppContext, session: gr.State) -> list[Dependency]:
    gr.Markdown(NEXT_HELP)
    with gr.Row():
        prompt = gr.Textbox(DEFAULT_CHAT, lines=2, scale=3, label="Prompt",
                            info=T("lab.your_text_the_model"))
        with gr.Column(scale=1):
            mode = gr.Radio(MODE_CHOICES, value="chat", label=T("lab.form"),
                            info=T("lab.chat_a_user_message"))
            top = gr.Slider(1, 20, value=20, step=1, label="top_logprobs",
                            info=T("lab.how_many_candidates_to"))
    ask = gr.Button(T("lab.show_candidates"), variant="primary")
    info = gr.Markdown()
    # The chart right under the button, the knobs that reshape it beside it.
    with gr.Row():
        with gr.Column(scale=3):
            plot = _plot(T("lab.probabilities"), "p", "token", tables.STATUS, 460,
                         elem_id="lab-next-plot")
        with gr.Column(scale=2):
            temperature, top_k, top_p = _sliders()
            gr.Markdown(RESHAPE_HELP)
    table = gr.Dataframe(label=T("lab.candidates"), wrap=True, elem_classes=["scroll-table"])
    with gr.Accordion(T("lab.data_json"), open=False):
        cands = gr.JSON(label=T("lab.model_candidates"))
        shaped = gr.JSON(label=T("lab.reshaped"))

    @friendly
    def next_fn(prompt: str, mode: str, top: float, state: Session
                ) -> tuple[list[dict[str, Any]], str]:
        with ctx.fair.admit(state.id, "experiments"):
            dist = sampling.next_token(ctx.client_for(state), ctx.model_for(state), prompt, mode,
                                    int(top))
        rows = [{"token": c.token, "logprob": c.logprob, "p": c.prob} for c in dist.candidates]
        fp = f" · system_fingerprint `{dist.fingerprint}`" if dist.fingerprint else ""
        return rows, say(state.lang, "lab.candidates_from", n=len(rows), model=dist.model,
                         fingerprint=fp, request=dist.request)

    @friendly
    def reshape_fn(rows: Any, temperature: float, top_k: float, top_p: float, state: Session
                   ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
        shape = reshape(candidates_from_rows(rows), *knobs(temperature, top_k, top_p))
        frame = tables.distribution_frame(shape)
        return (tables.localize(tables.chart_frame(frame), state.lang),
                tables.titled(frame.drop(columns="p").round(4), state.lang), _shape_json(shape))

    shape_out = [plot, table, shaped]
    billed = [ask.click(next_fn, [prompt, mode, top, session], [cands, info], api_name="lab_next",
                        **model_line(ctx))]
    show_result(ask.click, "lab-next-plot")
    reshape_in = [cands, temperature, top_k, top_p, session]  # not `knobs`: that reads them
    billed[0].then(reshape_fn, reshape_in, shape_out, api_visibility="private")
    gr.on([temperature.change, top_k.change, top_p.change], reshape_fn, reshape_in, shape_out,
          api_name="lab_reshape", show_progress="hidden", trigger_mode="always_last")
    return billed


def _step(ctx: AppContext, session: gr.State) -> list[Dependency]:
    gr.Markdown(STEP_HELP)
    text = gr.Textbox(DEFAULT_TEXT, lines=3, label=T("lab.text"),
                      info=T("lab.continued_as_plain_text"))
    temperature, top_k, top_p = _sliders()
    seed = gr.Number(42, precision=0, label="seed",
                     info=T("lab.the_draw_s_seed"))
    with gr.Row():
        go = gr.Button(T("lab.draw_a_token"), variant="primary")
        reset = gr.Button(T("lab.start_over"))
    drawn = gr.Markdown(elem_id="lab-drawn")
    plot = _plot(T("lab.next_distribution"), "p", "token", tables.STATUS, 460,
                 elem_id="lab-step-plot")
    log = gr.Dataframe(headers=["#", "token", "p", "seed"], label=T("lab.steps"))
    steps = gr.State([])

    @friendly
    def step_fn(text: str, temperature: float, top_k: float, top_p: float, seed: float | None,
                done: list[list[Any]], state: Session
                ) -> tuple[str, str, pd.DataFrame, list[list[Any]], list[list[Any]]]:
        client, model = ctx.client_for(state), ctx.model_for(state)
        shaping = knobs(temperature, top_k, top_p)
        used = int(seed or 0) + len(done)
        with ctx.fair.admit(state.id, "experiments"):
            one = sampling.step(client, model, text, *shaping, used)
            nxt = reshape(sampling.next_token(client, model, one.text, "completion").candidates,
                          *shaping)
        token = one.shape.tokens[one.index]
        row = [len(done) + 1, tables.show_token(token), round(one.shape.after[one.index], 4), used]
        said = say(state.lang, "lab.drawn", token=tables.show_token(token),
                   p=f"{one.shape.after[one.index]:.3f}", seed=used)
        chart = tables.localize(tables.chart_frame(tables.distribution_frame(nxt)), state.lang)
        return one.text, said, chart, [*done, row], [*done, row]

    billed = [go.click(step_fn, [text, temperature, top_k, top_p, seed, steps, session],
                       [text, drawn, plot, log, steps], api_name="lab_step", **model_line(ctx))]
    show_result(go.click, "lab-drawn")
    reset.click(lambda: (DEFAULT_TEXT, "", None, [], []), None, [text, drawn, plot, log, steps],
                api_visibility="private")
    return billed


def _samples(ctx: AppContext, session: gr.State) -> list[Dependency]:
    gr.Markdown(SAMPLES_HELP)
    with gr.Row():
        prompt = gr.Textbox(DEFAULT_CHAT, lines=2, scale=3, label="Prompt",
                            info=T("lab.what_is_asked_n"))
        mode = gr.Radio([*MODE_CHOICES, SENTIMENT_CHOICE], value="chat", label=T("lab.form"),
                        scale=1, info=T("lab.chat_plain_text_or"))
    with gr.Row():
        n = gr.Slider(1, sampling.MAX_SAMPLES, value=20, step=1, label="N",
                      info=T("lab.how_many_answers_to"))
        temperature = gr.Slider(0, 2, value=1.0, step=0.05, label="temperature",
                                info=T("lab.the_request_s_temperature"))
        top_p = gr.Slider(0.05, 1, value=1.0, step=0.05, label="top_p",
                          info=T("lab.the_request_s_top"))
        seed = gr.Textbox("", label="seed",
                          info=T("lab.fixed_the_run_repeats"))
        max_tokens = gr.Slider(1, 32, value=4, step=1, label="max_tokens",
                               info=T("lab.length_of_each_answer"))
    go = gr.Button(T("lab.ask_n_answers"), variant="primary")
    summary = gr.Markdown(elem_id="lab-samples-said")
    # Predicted and observed in one chart, side by side per token, in two colours.
    chart = _plot(T("lab.predicted_vs_observed"), tables.SHARE, tables.BAR, tables.SERIES, 520,
                  elem_id="lab-samples-plot")
    answers = gr.Dataframe(label=T("lab.answers"), wrap=True, elem_classes=["scroll-table"])

    @friendly
    def samples_fn(prompt: str, mode: str, n: float, temperature: float, top_p: float,
                   seed: str | None, max_tokens: float, state: Session
                   ) -> tuple[str, pd.DataFrame, pd.DataFrame]:
        client, model = ctx.client_for(state), ctx.model_for(state)
        with ctx.fair.admit(state.id, "experiments"):
            dist = sampling.next_token(client, model, prompt, mode)
            run = sampling.samples(client, model, prompt, mode, int(n), float(temperature),
                                float(top_p), parse_seed(seed), int(max_tokens))
        shape = reshape(dist.candidates, float(temperature), 0, float(top_p))
        freq = (tables.label_frame(run.answers, shape, state.lang) if mode == "sentiment"
                else tables.frequency_frame(run.firsts_among(shape.tokens), shape))
        counted = pd.Series(run.answers).value_counts()
        fp = ", ".join(f"`{f}`" for f in run.fingerprints) or "—"
        said = say(state.lang, "lab.samples_said", n=len(run.answers), distinct=len(counted),
                   requests=run.requests, fingerprints=fp)
        table = pd.DataFrame({say(state.lang, "lab.answer"): counted.index,
                              say(state.lang, "lab.count"): counted.values})
        return said, tables.grouped(freq, state.lang), table

    def example_fn(mode: str, prompt: str) -> str:
        """The sentiment form gets a tweet in place of the untouched chat question, and back."""
        if mode == "sentiment" and prompt == DEFAULT_CHAT:
            return DEFAULT_TWEET
        return DEFAULT_CHAT if mode != "sentiment" and prompt == DEFAULT_TWEET else prompt

    mode.change(example_fn, [mode, prompt], prompt, api_visibility="private")
    show_result(go.click, "lab-samples-said")
    return [go.click(samples_fn, [prompt, mode, n, temperature, top_p, seed, max_tokens, session],
                     [summary, chart, answers], api_name="lab_samples", **model_line(ctx))]


def _compare(ctx: AppContext, session: gr.State) -> list[Dependency]:
    gr.Markdown(COMPARE_HELP)
    prompt = gr.Textbox("Explica en dos frases qué es la temperatura en un LLM.", lines=2,
                        label="Prompt", info=T("lab.the_same_for_all"))
    configs = gr.Dataframe(
        [["local", "", 0.0, 1.0, 64, 1], ["local", "", 1.5, 1.0, 64, 1]], headers=compare.COLUMNS,
        datatype=["str", "str", "number", "number", "number", "number"], row_count=2,
        interactive=True,
        label=T("lab.configurations_2_4"))
    gr.Markdown(T("lab.model_empty_the_backend"))
    go = gr.Button(T("lab.compare"), variant="primary")
    board = gr.HTML(elem_id="lab-board", min_height=60)
    results = gr.JSON(visible=False)
    with gr.Row():
        choice = gr.Radio([*compare.NAMES, (T("lab.tie"), votes.TIE)],
                          label=T("lab.which_is_better"),
                          info=T("lab.your_vote_stays_in"))
        vote = gr.Button(T("lab.vote"))
    said = gr.Markdown()
    with gr.Row():
        download = gr.Button(T("lab.download_votes"), size="sm")
        tally = gr.File(label=T("lab.votes_json"), height=90)
    kept = gr.State([])

    @friendly_stream
    def compare_fn(prompt: str, rows: Any, state: Session
                   ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        if not (prompt or "").strip():
            raise gr.Error(say(state.lang, "lab.type_a_prompt"))
        cfgs = compare.parse_configs(rows.values.tolist() if hasattr(rows, "values") else rows)
        labels = [c.label(i) for i, c in enumerate(cfgs)]
        messages = [{"role": "user", "content": prompt}]
        with ctx.fair.admit(state.id, "experiments"):
            starts = [compare.start_for(ctx, state, c, messages) for c in cfgs]
            for snapshot in compare.stream_all(starts, state.lang):
                yield (compare.side_by_side_html(labels, snapshot, state.lang),
                       compare.answers_json(labels, snapshot))

    @friendly
    def vote_fn(prompt: str, results: Any, choice: str, done: list[dict[str, Any]],
                state: Session) -> tuple[list[dict[str, Any]], str]:
        new = votes.add_vote(done, prompt, results or [], choice)
        return new, votes.tally(new, state.lang)

    @friendly
    def download_fn(done: list[dict[str, Any]], state: Session) -> str:
        if not done:
            raise gr.Error(say(state.lang, "lab.no_votes_yet"))
        path = ctx.workdirs.fresh() / "votos_votes.json"
        path.write_text(votes.votes_json(done), encoding="utf-8")
        return str(path)

    show_result(go.click, "lab-board")
    billed = [go.click(compare_fn, [prompt, configs, session], [board, results],
                       api_name="lab_compare", **model_line(ctx))]
    vote.click(vote_fn, [prompt, results, choice, kept, session], [kept, said],
               api_name="lab_vote")
    download.click(download_fn, [kept, session], tally, api_name="lab_votes")
    return billed


def _errors(ctx: AppContext, session: gr.State) -> None:
    gr.Markdown(ERRORS_HELP)
    server = FaultServer(hang_s=HANG_S)
    pool = simulator_pool(ctx.pool.max_retries)
    failure = gr.Radio([(T(LABELS[f]), f) for f in FAILURES], value="rate_limit",
                       label=T("lab.failure"),
                       info=T("lab.timeout_waits") + f" {TIMEOUT_S:g} s (CHATBOT_TIMEOUT = "
                                                     f"{ctx.pool.timeout:g} s).")
    with gr.Row():
        go = gr.Button(T("lab.trigger"), variant="primary")
        stop = gr.Button(T("lab.stop"))
    with gr.Row():
        with gr.Column():
            final = gr.Markdown(elem_id="lab-final")
            timeline = gr.Markdown(elem_id="lab-timeline")
            url = gr.Textbox(label=T("lab.simulated_base_url"), interactive=False,
                             visible=not ctx.settings.hosted,  # a public server refuses it there
                             info=T("lab.paste_it_in_settings"))
        code = gr.Code(snippet("rate_limit", DEFAULT), language="python",
                       label=T("lab.how_it_is_handled"))

    @friendly
    def errors_fn(failure: str, state: Session) -> tuple[str, str, str, str]:
        if failure not in FAILURES:
            raise gr.Error(say(state.lang, "lab.pick_failure", names=", ".join(FAILURES)))
        with ctx.fair.admit(state.id, "simulations"):
            run = simulate(server, failure, pool, ctx.catalog, pool.max_retries, state.lang)
        return run.final, timeline_markdown(run, state.lang), run.base_url, snippet(failure, state.lang)

    running = go.click(errors_fn, [failure, session], [final, timeline, url, code],
                       api_name="lab_errors")
    show_result(go.click, "lab-final")
    stop.click(None, None, None, cancels=[running], api_visibility="private")
    def code_fn(failure: str, state: Session) -> str:
        return snippet(failure, state.lang) if failure in FAILURES else ""

    failure.change(code_fn, [failure, session], code, api_visibility="private")


def build_lab_tab(ctx: AppContext, session: gr.State) -> list[Dependency]:
    """Returns the events that spend, so the app can refresh the status line after them."""
    billed: list[Dependency] = []
    with gr.Tabs(overflow_behavior="wrap"):
        with gr.Tab(T("lab.next_token")):
            billed += _next_and_reshape(ctx, session)
        with gr.Tab(T("lab.step_through")):
            billed += _step(ctx, session)
        with gr.Tab(T("lab.samples")):
            billed += _samples(ctx, session)
        with gr.Tab(T("lab.compare")):
            billed += _compare(ctx, session)
        with gr.Tab(T("lab.errors")):
            _errors(ctx, session)
    return billed
