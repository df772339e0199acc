"""Sentiment tab: wiring only; the logic is in chatbot/sentiment/ (service, render)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import gradio as gr
from gradio.events import Dependency

from chatbot.context import AppContext, Session
from chatbot.context.costs import estimate_markdown
from chatbot.errors import ChatbotError
from chatbot.policy.workdirs import MAX_AGE_S
from chatbot.sentiment.asking import asking_for, logprob_effort
from chatbot.sentiment.calibration import CALIBRATION_TWEETS, cache_key, shipped
from chatbot.sentiment.classify import Step
from chatbot.sentiment.inputs import MAX_TWEETS
from chatbot.sentiment.pool import Pool
from chatbot.sentiment.prompt import DEFAULT_PROMPT, build_messages, parse_prompt
from chatbot.sentiment.render import TABLE_HEADERS
from chatbot.sentiment.service import (
    AUTO,
    DEFAULT_METHOD,
    EMBEDDINGS,
    METHODS,
    PROMPT,
    SIMILAR,
    Cache,
    Fitted,
    method_for,
    new_fitted,
)
from chatbot.sentiment.views import classify_many, classify_one, load_pool
from chatbot.ui.common import friendly, friendly_stream

EXPLAIN = {
    AUTO: "en el modelo embebido, los embeddings (el que mejor midió en tweets reales); en los "
          "demás, el prompt / on the embedded model, embeddings (what measured best on real "
          "tweets); on others, the prompt",
    PROMPT: "el modelo ve el prompt de la derecha y se leen las probabilidades de las tres "
            "etiquetas en su primer token / the model sees the prompt on the right and the three "
            "labels' probabilities are read from its first token",
    SIMILAR: "como el anterior, pero los ejemplos son los tweets del pool más parecidos "
               "(2 por etiqueta) / as above, but the examples are the pool's most similar tweets "
               "(2 per label)",
    EMBEDDINGS: "el tweet se convierte en un vector (embedding) y un clasificador lineal "
                "entrenado con tweets etiquetados decide, junto con otro sobre sus palabras "
                "(TF-IDF) / the tweet becomes a vector (embedding) and a linear classifier "
                "trained on labelled tweets decides, together with another on its words "
                "(TF-IDF)",
}


def progress_step(progress: gr.Progress, desc: str) -> Step:
    return lambda done, total: progress((done, total), desc=desc, unit="tweets")


def method_info() -> str:
    return " · ".join(f"**{METHODS[key]}**: {text}" for key, text in EXPLAIN.items())


def build_sentiment_tab(ctx: AppContext, session: gr.State) -> list[Dependency]:
    """Returns the events that spend, so the app can refresh the status line after them."""
    gr.Markdown(
        "Clasifica tweets en español o inglés como positivos, neutros o negativos, de tres "
        "maneras que puedes comparar. / Classify Spanish or English tweets as positive, neutral "
        "or negative, three ways you can compare.\n\n" + method_info())
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
                lines=3, label="Tweet", placeholder="¡Por fin viernes! 🎉 / Finally Friday! 🎉",
                info="El tweet que quieres clasificar, en español o inglés. / The tweet to "
                     "classify, in Spanish or English.")
            estimate = gr.Markdown()
            classify_btn = gr.Button("Clasificar / Classify", variant="primary")
            verdict = gr.Markdown()
            probs = gr.Label(num_top_classes=3,
                             label="Probabilidad por etiqueta / Probability per label")
            usage = gr.Markdown()
        with gr.Column(scale=2):
            method = gr.Radio(
                [(label, key) for key, label in METHODS.items()], value=DEFAULT_METHOD,
                label="Método / Method",
                info="Cómo se decide la etiqueta; los ejemplos parecidos salen del pool de "
                     "abajo, y con él los embeddings muestran los tweets más cercanos. / How the "
                     "label is decided; similar examples come from the pool below, and with it "
                     "the embeddings way shows the nearest tweets.")
            calibrate = gr.Checkbox(
                True, label="Calibrar / Calibrate",
                info=f"Corrige el sesgo del modelo hacia una etiqueta: de serie con pesos "
                     f"medidos en tweets reales; con otro prompt o modelo, medido una vez en "
                     f"{n_ref} tweets de referencia. / Corrects the model's lean towards a label: "
                     f"shipped weights measured on real tweets for the default, else measured "
                     f"once on {n_ref} reference tweets.")
            prompt = gr.Textbox(
                DEFAULT_PROMPT, lines=14, max_lines=30, label="Prompt (editable)",
                info="Instrucciones y ejemplos «Tweet: … / Sentiment: …» que ve el modelo; "
                     "edítalos y vuelve a clasificar. / Instructions and «Tweet: … / "
                     "Sentiment: …» examples the model sees; edit them and classify again.")
            reset = gr.Button("Restaurar prompt / Reset prompt", size="sm")
            pool_file = gr.File(
                file_types=[".csv"], type="filepath",
                label="Pool de tweets etiquetados / Pool of labelled tweets (CSV text,label)")
            pool_line = gr.Markdown()
            gr.Markdown("Un CSV con columnas text y label (positive/neutral/negative), p. ej. un "
                        "split de entrenamiento: de él salen los ejemplos parecidos y los vecinos "
                        "más cercanos. / A CSV with text and label columns, e.g. a training "
                        "split: the similar examples and the nearest neighbours come from it.")
    gr.Markdown("### Lote / Batch")
    with gr.Row():
        paste = gr.Textbox(
            lines=6, label="Tweets (uno por línea / one per line)",
            info=f"Pega varios tweets, uno por línea; se clasifican hasta {MAX_TWEETS}. / Paste "
                 f"several tweets, one per line; up to {MAX_TWEETS} are classified.")
        with gr.Column():
            upload = gr.File(file_types=[".csv", ".txt"], type="filepath",
                             label="CSV (columna / column text, tweet, texto)")
            gr.Markdown("Sube un CSV con una columna text, tweet o texto (coma, punto y coma o "
                        "tabulador); sus tweets van después de los pegados. / Upload a CSV with "
                        "a text, tweet or texto column (comma, semicolon or tab); its tweets go "
                        "after the pasted ones.")
    batch_btn = gr.Button("Clasificar lote / Classify batch", variant="primary")
    notices = gr.Markdown()
    counts = gr.Markdown()
    results = gr.Dataframe(headers=TABLE_HEADERS, datatype=["str", "str", "str"],
                           interactive=False, wrap=True, label="Resultados / Results")
    download = gr.File(label="Descargar la tabla (CSV) / Download the table (CSV)",
                       interactive=False)
    batch_usage = gr.Markdown()

    @friendly
    def classify_fn(text: str, prompt_text: str, use_cal: bool, how: str,
                    labelled: Pool | None, state: Session, known: Cache, mine: Fitted,
                    progress: gr.Progress = gr.Progress()  # noqa: B008 (Gradio's idiom)
                    ) -> tuple[Any, str, str, Cache]:
        return classify_one(ctx, state, known, text, prompt_text, use_cal, how, labelled,
                            progress_step(progress, "Preparando / Preparing"), mine)

    @friendly_stream
    def batch_fn(text: str, file: str | None, prompt_text: str, use_cal: bool, how: str,
                 labelled: Pool | None, state: Session, known: Cache, mine: Fitted,
                 progress: gr.Progress = gr.Progress()  # noqa: B008
                 ) -> Iterator[tuple[Any, ...]]:
        for rows, count_line, notes, line, csv_path, new_cache in classify_many(
                ctx, state, known, text, file, prompt_text, use_cal, how, labelled,
                progress_step(progress, "Preparando / Preparing"),
                progress_step(progress, "Clasificando / Classifying"), mine):
            yield notes, count_line, rows, line, csv_path, new_cache

    def estimate_fn(text: str, prompt_text: str, use_calibration: bool, how: str,
                    state: Session, known: Mapping[str, Any]) -> str:
        if not (text or "").strip():
            return ""
        model = ctx.model_for(state)
        if method_for(ctx, state, how) == EMBEDDINGS:
            return "1 llamada de embeddings por tweet / 1 embeddings call per tweet"
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
            line += (f" · la primera vez, +{n_ref} llamadas de calibración / the first time, "
                     f"+{n_ref} calibration calls")
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
    pool_file.change(friendly(load_pool), pool_file, [pool, pool_line],
                     api_name="load_pool")
    reset.click(lambda: DEFAULT_PROMPT, None, prompt, api_visibility="private")
    return billed
