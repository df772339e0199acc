"""Sentiment tab: wiring only; the logic is in chatbot/sentiment/ (service, render)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import gradio as gr
from gradio.events import Dependency

from chatbot.context import AppContext, Session
from chatbot.context.costs import estimate_markdown
from chatbot.errors import ChatbotError
from chatbot.i18n import say
from chatbot.policy.workdirs import MAX_AGE_S
from chatbot.sentiment.asking import asking_for, logprob_effort
from chatbot.sentiment.calibration import CALIBRATION_TWEETS, cache_key, shipped
from chatbot.sentiment.classify import Step
from chatbot.sentiment.pool import Pool
from chatbot.sentiment.prompt import DEFAULT_PROMPT, build_messages, parse_prompt
from chatbot.sentiment.render import COLUMNS
from chatbot.sentiment.service import (
    DEFAULT_METHOD,
    EMBEDDINGS,
    METHODS,
    Cache,
    Fitted,
    method_for,
    new_fitted,
)
from chatbot.sentiment.views import classify_many, classify_one, load_pool
from chatbot.ui.common import friendly, friendly_stream, show_result
from chatbot.ui.i18n import T, follow_language, titled

# Tweets a student can click to start, one per label in each language.
EXAMPLES = [
    "¡Me encanta este curso, por fin entiendo las APIs! 😍",
    "El tren de las 8 sale hoy del andén 3.",
    "Otra vez sin wifi en la biblioteca, qué desastre.",
    "Just finished my first chatbot and it actually works! 🎉",
    "The meeting is moved to Thursday at 10.",
    "Worst customer service ever, still waiting for a refund.",
]


def progress_step(progress: gr.Progress, desc: str) -> Step:
    return lambda done, total: progress((done, total), desc=desc, unit="tweets")


def build_sentiment_tab(ctx: AppContext, session: gr.State) -> list[Dependency]:
    """Returns the events that spend, so the app can refresh the status line after them."""
    gr.Markdown(T("sentiment.start"), elem_id="sentiment-start")
    cache = gr.State({})
    # The session's pool, its vectors and fitted classifiers (bounded by bytes): Gradio deletes
    # them an hour after the page is closed, and `time_to_live` an hour after their last change
    # for REST clients, which never close a page.
    pool = gr.State(None, time_to_live=MAX_AGE_S)
    fitted = gr.State(new_fitted, time_to_live=MAX_AGE_S)
    n_ref = len(CALIBRATION_TWEETS)
    with gr.Row():
        with gr.Column(scale=3):
            tweet = gr.Textbox(
                lines=3, label="Tweet", placeholder=T("sentiment.finally_friday"),
                info=T("sentiment.the_tweet_to_classify"))
            estimate = gr.Markdown()
            classify_btn = gr.Button(T("sentiment.classify"), variant="primary")
            verdict = gr.Markdown(elem_id="sentiment-verdict")
            probs = gr.Label(num_top_classes=3,
                             label=T("sentiment.probability_per_label"))
            usage = gr.Markdown()
            gr.Examples([[text] for text in EXAMPLES], inputs=tweet,
                        label=T("sentiment.examples"))
            with gr.Accordion(T("sentiment.methods_title"), open=False):
                gr.Markdown(T("sentiment.methods_md"))
        with gr.Column(scale=2):
            method = gr.Radio(
                [(T(f"sentiment.method_{key}"), key) for key in METHODS], value=DEFAULT_METHOD,
                label=T("sentiment.method"),
                info=T("sentiment.how_the_label_is"))
            calibrate = gr.Checkbox(
                True, label=T("sentiment.calibrate"),
                info=T("sentiment.calibrate_info"))
            prompt = gr.Textbox(
                DEFAULT_PROMPT, lines=14, max_lines=30, label="Prompt (editable)",
                info=T("sentiment.prompt_info"))
            reset = gr.Button(T("sentiment.reset_prompt"), size="sm")
            pool_file = gr.File(
                file_types=[".csv"], type="filepath",
                label=T("sentiment.pool_of_labelled_tweets"))
            pool_line = gr.Markdown()
            gr.Markdown(T("sentiment.a_csv_with_text"))
    gr.Markdown(T("sentiment.batch"))
    with gr.Row():
        paste = gr.Textbox(
            lines=6, label=T("sentiment.one_per_line"),
            info=T("sentiment.paste_info"))
        with gr.Column():
            upload = gr.File(file_types=[".csv", ".txt"], type="filepath",
                             label=T("sentiment.column_text_tweet_texto"))
            gr.Markdown(T("sentiment.upload_a_csv_with"))
    batch_btn = gr.Button(T("sentiment.classify_batch"), variant="primary")
    notices = gr.Markdown(elem_id="sentiment-batch")
    counts = gr.Markdown()
    results = gr.Dataframe(headers=titled(COLUMNS), datatype=["str", "str", "str"],
                           interactive=False, wrap=True, label=T("sentiment.results"))
    download = gr.File(label=T("sentiment.download_the_table_csv"),
                       interactive=False)
    batch_usage = gr.Markdown()

    @friendly
    def classify_fn(text: str, prompt_text: str, use_cal: bool, how: str,
                    labelled: Pool | None, state: Session, known: Cache, mine: Fitted,
                    progress: gr.Progress = gr.Progress()  # noqa: B008 (Gradio's idiom)
                    ) -> tuple[Any, str, str, Cache]:
        return classify_one(ctx, state, known, text, prompt_text, use_cal, how, labelled,
                            progress_step(progress, say(state.lang, "sentiment.preparing")), mine)

    @friendly_stream
    def batch_fn(text: str, file: str | None, prompt_text: str, use_cal: bool, how: str,
                 labelled: Pool | None, state: Session, known: Cache, mine: Fitted,
                 progress: gr.Progress = gr.Progress()  # noqa: B008
                 ) -> Iterator[tuple[Any, ...]]:
        for rows, count_line, notes, line, csv_path, new_cache in classify_many(
                ctx, state, known, text, file, prompt_text, use_cal, how, labelled,
                progress_step(progress, say(state.lang, "sentiment.preparing")),
                progress_step(progress, say(state.lang, "sentiment.classifying")), mine):
            yield notes, count_line, rows, line, csv_path, new_cache

    def estimate_fn(text: str, prompt_text: str, use_calibration: bool, how: str,
                    state: Session, known: Mapping[str, Any]) -> str:
        if not (text or "").strip():
            return ""
        model = ctx.model_for(state)
        if method_for(ctx, state, how) == EMBEDDINGS:
            return say(state.lang, "sentiment.1_embeddings_call_per")
        try:
            messages = build_messages(parse_prompt(prompt_text), text)
            backend = ctx.backend_for(state, wait=False)
        except ChatbotError:
            return ""
        caps = ctx.capabilities_for(state, model, probe=False)
        line = estimate_markdown(ctx, state, model, messages,
                                 asking_for(caps, model).params.max_tokens)
        key = cache_key(backend, model, prompt_text)
        if use_calibration and logprob_effort(caps)[0] \
                and shipped(backend, model, prompt_text) is None \
                and key not in {**ctx.priors, **(known or {})}:
            line += say(state.lang, "sentiment.calibration_calls", n=n_ref)
        return line

    tweet.change(estimate_fn, [tweet, prompt, calibrate, method, session, cache], estimate,
                 api_visibility="private", show_progress="hidden", trigger_mode="always_last")

    one_inputs = [tweet, prompt, calibrate, method, pool, session, cache, fitted]
    one_outputs = [probs, verdict, usage, cache]
    billed = [
        classify_btn.click(classify_fn, one_inputs, one_outputs, api_name="classify"),
        tweet.submit(classify_fn, one_inputs, one_outputs, api_visibility="private"),
        batch_btn.click(batch_fn, [paste, upload, prompt, calibrate, method, pool, session, cache,
                                   fitted],
                        [notices, counts, results, batch_usage, download, cache],
                        api_name="classify_batch"),
    ]
    @friendly
    def pool_fn(path: str | None, state: Session) -> tuple[Pool | None, str]:
        return load_pool(path, state.lang)

    show_result(classify_btn.click, "sentiment-verdict")
    show_result(batch_btn.click, "sentiment-batch")
    pool_file.change(pool_fn, [pool_file, session], [pool, pool_line],
                     api_name="load_pool")
    reset.click(lambda: DEFAULT_PROMPT, None, prompt, api_visibility="private")
    follow_language(session, {results: COLUMNS})
    return billed
