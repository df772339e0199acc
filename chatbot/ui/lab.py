"""Lab tab: see sampling happen. Only wiring: every computation lives in chatbot/lab/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import gradio as gr
import pandas as pd
from gradio.events import Dependency

from chatbot.context import AppContext, Session
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
from chatbot.ui.common import friendly, friendly_stream

NEXT_HELP = """**Distribución del siguiente token.** El modelo no elige palabras: da una probabilidad
a cada token de su vocabulario. Aquí ves sus candidatos más probables (`top_logprobs`, hasta 20),
p = exp(logprob), y la probabilidad que queda para todos los demás tokens.
/ **Next-token distribution.** The model does not pick words: it gives every token of its vocabulary
a probability. Here are its likeliest candidates (`top_logprobs`, up to 20), p = exp(logprob), and
what is left to all other tokens."""

RESHAPE_HELP = """**Remodélala.** Sin llamar otra vez al modelo: la temperatura aplica
p_i ∝ exp(log p_i / T) (T < 1 afila, T > 1 aplana, T = 0 es voraz), top_k deja los k primeros y
top_p el menor grupo cuya masa llega a top_p; lo que queda se renormaliza. Lo eliminado queda en gris.
/ **Reshape it.** No new model call: temperature applies p_i ∝ exp(log p_i / T) (T < 1 sharpens,
T > 1 flattens, T = 0 is greedy), top_k keeps the first k and top_p the smallest set whose mass
reaches top_p; what is left is renormalised. Removed tokens stay, greyed."""

STEP_HELP = """**Paso a paso.** Saca un token de la distribución remodelada (con semilla: el mismo
paso se repite igual), lo añade al texto y pide la siguiente distribución. Con temperatura alta
verás cuándo el texto se tuerce.
/ **Step through.** Draw one token from the reshaped distribution (seeded: a step replays the
same), append it and fetch the next distribution. At a high temperature you see where it goes
astray."""

SAMPLES_HELP = """**Las muestras siguen a las probabilidades.** Pide N respuestas y cuenta con qué
token empieza cada una, junto a la probabilidad predicha. Con T = 0 salen todas iguales; con una
semilla fija, la misma tanda se repite. Si el servidor no dice qué token sacó, cada respuesta cuenta
para el candidato más largo con que empieza su texto («Blanco» → «Bl», no «B»). En el modelo
embebido la app apaga min_p y top_k de llama.cpp (por defecto 0,05 y 40), que quitan los tokens
raros: con ellos, las muestras salen más concentradas que las probabilidades. En la forma
*Sentimiento* el texto es un tweet con el prompt de la pestaña Sentimiento y se cuenta cada
etiqueta (positivo, neutro, negativo) junto a su probabilidad predicha: la suma de sus candidatos.
/ **Samples follow the probabilities.** Ask N answers and count the token each one starts with,
beside the predicted probability. At T = 0 they all agree; with a fixed seed the run repeats.
Where the server does not say which token it drew, an answer counts for the longest candidate its
text starts with ("Blanco" → "Bl", not "B"). On the embedded model the app turns off llama.cpp's
min_p and top_k (0.05 and 40 by default), which drop the rare tokens: with them on, samples come
out more concentrated than the probabilities. In the *Sentiment* form the text is a tweet under the
Sentiment tab's prompt and each label (positive, neutral, negative) is counted beside its
predicted probability: the sum of its candidates."""

COMPARE_HELP = """**Comparar.** El mismo prompt con 2 a 4 configuraciones (backend, modelo,
parámetros) a la vez: respuestas en paralelo con tokens, latencia y coste, y resaltado lo que
difiere de A. Vota la mejor; tus votos se guardan en tu sesión y se descargan en JSON.
/ **Compare.** One prompt under 2 to 4 configurations (backend, model, parameters) at once:
answers side by side with tokens, latency and cost, what differs from A highlighted. Vote the
best; your votes stay in your session and download as JSON."""

ERRORS_HELP = """**Simulador de errores.** Un servidor OpenAI simulado en 127.0.0.1 falla a
propósito y el cliente real de la app se enfrenta a él: ves cada intento, cada espera y el mensaje
final, el mismo que da la pestaña Chat. Nunca usa tu clave y funciona sin internet.
/ **Error simulator.** A simulated OpenAI server on 127.0.0.1 fails on purpose and the app's real
client meets it: every attempt, every wait and the final message, the same the Chat tab gives.
It never uses your key and works offline."""

DEFAULT_CHAT = "Responde con una sola palabra: ¿de qué color es el cielo?"
DEFAULT_TEXT = "Érase una vez un robot que"
DEFAULT_TWEET = "Hoy empieza el curso nuevo, a ver qué tal va."
MODE_CHOICES = [("Chat", "chat"), ("Completion (texto plano / plain text)", "completion")]
SENTIMENT_CHOICE = ("Sentimiento: el texto es un tweet / Sentiment: the text is a tweet",
                    "sentiment")


STATUS_KEY = (" (azul: se queda · gris claro: eliminado · gris: resto del vocabulario / blue: "
              "kept · light grey: removed · grey: rest of the vocabulary)")


def _plot(label: str, y: str, color: str | None = None) -> gr.BarPlot:
    """Bars in rank order. Coloured ones name their colours in the label: Gradio's own legend
    sits below the rotated token labels and is cut off."""
    return gr.BarPlot(x="token", y=y, color=color, color_map=tables.COLORS, y_lim=[0, 1],
                      colors_in_legend=[] if color else None,
                      x_label_angle=-40, height=340, label=label + (STATUS_KEY if color else ""),
                      sort="x")


def _shape_json(shape: Reshaped) -> dict[str, Any]:
    return asdict(shape)


def _sliders() -> tuple[gr.Slider, gr.Slider, gr.Slider]:
    return (
        gr.Slider(0, 2, value=1.0, step=0.05, label="temperature",
                  info="T: 0 voraz, <1 afila, >1 aplana. / 0 greedy, <1 sharpens, >1 flattens."),
        gr.Slider(0, 20, value=0, step=1, label="top_k",
                  info="Deja los k más probables (0 = sin corte). / Keeps the k likeliest "
                       "(0 = no cut)."),
        gr.Slider(0.05, 1, value=1.0, step=0.05, label="top_p",
                  info="Deja el menor grupo que suma top_p. / Keeps the smallest set summing to "
                       "top_p."),
    )


def _next_and_reshape(ctx: AppContext, session: gr.State) -> list[Dependency]:
    gr.Markdown(NEXT_HELP)
    with gr.Row():
        prompt = gr.Textbox(DEFAULT_CHAT, lines=2, scale=3, label="Prompt",
                            info="Tu texto; el modelo propone cómo sigue. / Your text; the model "
                                 "proposes what comes next.")
        with gr.Column(scale=1):
            mode = gr.Radio(MODE_CHOICES, value="chat", label="Forma / Form",
                            info="Chat: mensaje de usuario. Completion: continúa el texto. / "
                                 "Chat: a user message. Completion: continues the text.")
            top = gr.Slider(1, 20, value=20, step=1, label="top_logprobs",
                            info="Cuántos candidatos pedir. / How many candidates to ask for.")
    ask = gr.Button("Ver candidatos / Show candidates", variant="primary")
    info = gr.Markdown()
    gr.Markdown(RESHAPE_HELP)
    temperature, top_k, top_p = _sliders()
    plot = _plot("Probabilidades / Probabilities", "p", tables.STATUS)
    table = gr.Dataframe(label="Candidatos / Candidates", wrap=True)
    with gr.Accordion("Datos / Data (JSON)", open=False):
        cands = gr.JSON(label="Candidatos del modelo / Model candidates")
        shaped = gr.JSON(label="Remodelada / Reshaped")

    @friendly
    def next_fn(prompt: str, mode: str, top: float, state: Session
                ) -> tuple[list[dict[str, Any]], str]:
        with ctx.fair.admit(state.id, "experiments"):
            dist = sampling.next_token(ctx.client_for(state), ctx.model_for(state), prompt, mode,
                                    int(top))
        rows = [{"token": c.token, "logprob": c.logprob, "p": c.prob} for c in dist.candidates]
        fp = f" · system_fingerprint `{dist.fingerprint}`" if dist.fingerprint else ""
        return rows, (f"**{len(rows)}** candidatos de / candidates from `{dist.model}`{fp}. "
                      f"Petición / Request: `{dist.request}`")

    @friendly
    def reshape_fn(rows: Any, temperature: float, top_k: float, top_p: float
                   ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
        shape = reshape(candidates_from_rows(rows), *knobs(temperature, top_k, top_p))
        frame = tables.distribution_frame(shape)
        return tables.chart_frame(frame), frame.drop(columns="p").round(4), _shape_json(shape)

    shape_out = [plot, table, shaped]
    billed = [ask.click(next_fn, [prompt, mode, top, session], [cands, info], api_name="lab_next")]
    billed[0].then(reshape_fn, [cands, temperature, top_k, top_p], shape_out, api_visibility="private")
    knobs = [cands, temperature, top_k, top_p]
    gr.on([temperature.change, top_k.change, top_p.change], reshape_fn, knobs, shape_out,
          api_name="lab_reshape", show_progress="hidden", trigger_mode="always_last")
    return billed


def _step(ctx: AppContext, session: gr.State) -> list[Dependency]:
    gr.Markdown(STEP_HELP)
    text = gr.Textbox(DEFAULT_TEXT, lines=3, label="Texto / Text",
                      info="Se continúa como texto plano (completion), token a token. / Continued "
                           "as plain text (completion), token by token.")
    temperature, top_k, top_p = _sliders()
    seed = gr.Number(42, precision=0, label="seed",
                     info="Semilla del sorteo; el paso k usa seed + k. / The draw's seed; step k "
                          "uses seed + k.")
    with gr.Row():
        go = gr.Button("Sacar un token / Draw a token", variant="primary")
        reset = gr.Button("Empezar de nuevo / Start over")
    drawn = gr.Markdown()
    plot = _plot("Siguiente distribución / Next distribution", "p", tables.STATUS)
    log = gr.Dataframe(headers=["paso / step", "token", "p", "seed"], label="Pasos / Steps")
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
        said = (f"Sacado / Drawn: **`{tables.show_token(token)}`** con p = "
                f"{one.shape.after[one.index]:.3f} (semilla / seed {used})")
        return one.text, said, tables.chart_frame(tables.distribution_frame(nxt)), [*done, row], [*done, row]

    billed = [go.click(step_fn, [text, temperature, top_k, top_p, seed, steps, session],
                       [text, drawn, plot, log, steps], api_name="lab_step")]
    reset.click(lambda: (DEFAULT_TEXT, "", None, [], []), None, [text, drawn, plot, log, steps],
                api_visibility="private")
    return billed


def _samples(ctx: AppContext, session: gr.State) -> list[Dependency]:
    gr.Markdown(SAMPLES_HELP)
    with gr.Row():
        prompt = gr.Textbox(DEFAULT_CHAT, lines=2, scale=3, label="Prompt",
                            info="Lo que se pregunta N veces. / What is asked N times.")
        mode = gr.Radio([*MODE_CHOICES, SENTIMENT_CHOICE], value="chat", label="Forma / Form",
                        scale=1, info="Chat, texto plano, o un tweet clasificado (cuenta "
                                      "etiquetas). / Chat, plain text, or a tweet to classify "
                                      "(counts labels).")
    with gr.Row():
        n = gr.Slider(1, sampling.MAX_SAMPLES, value=20, step=1, label="N",
                      info="Cuántas respuestas pedir. / How many answers to ask for.")
        temperature = gr.Slider(0, 2, value=1.0, step=0.05, label="temperature",
                                info="La de la petición. / The request's temperature.")
        top_p = gr.Slider(0.05, 1, value=1.0, step=0.05, label="top_p",
                          info="El top_p de la petición. / The request's top_p.")
        seed = gr.Textbox("", label="seed",
                          info="Fija = la tanda se repite; vacía = azar. / Fixed = the run "
                               "repeats; empty = random.")
        max_tokens = gr.Slider(1, 32, value=4, step=1, label="max_tokens",
                               info="Largo de cada respuesta. / Length of each answer.")
    go = gr.Button("Pedir N respuestas / Ask N answers", variant="primary")
    summary = gr.Markdown()
    with gr.Row():
        predicted = _plot(tables.PREDICTED, tables.PREDICTED)
        observed = _plot(tables.OBSERVED, tables.OBSERVED)
    answers = gr.Dataframe(label="Respuestas / Answers", wrap=True)

    @friendly
    def samples_fn(prompt: str, mode: str, n: float, temperature: float, top_p: float,
                   seed: str | None, max_tokens: float, state: Session
                   ) -> tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        client, model = ctx.client_for(state), ctx.model_for(state)
        with ctx.fair.admit(state.id, "experiments"):
            dist = sampling.next_token(client, model, prompt, mode)
            run = sampling.samples(client, model, prompt, mode, int(n), float(temperature),
                                float(top_p), parse_seed(seed), int(max_tokens))
        shape = reshape(dist.candidates, float(temperature), 0, float(top_p))
        freq = (tables.label_frame(run.answers, shape) if mode == "sentiment"
                else tables.frequency_frame(run.firsts_among(shape.tokens), shape))
        counted = pd.Series(run.answers).value_counts()
        fp = ", ".join(f"`{f}`" for f in run.fingerprints) or "—"
        said = (f"**{len(run.answers)}** respuestas / answers, **{len(counted)}** distintas / "
                f"distinct, {run.requests} peticiones / requests · system_fingerprint: {fp}")
        table = pd.DataFrame({"respuesta / answer": counted.index, "veces / count": counted.values})
        return said, freq, freq, table

    def example_fn(mode: str, prompt: str) -> str:
        """The sentiment form gets a tweet in place of the untouched chat question, and back."""
        if mode == "sentiment" and prompt == DEFAULT_CHAT:
            return DEFAULT_TWEET
        return DEFAULT_CHAT if mode != "sentiment" and prompt == DEFAULT_TWEET else prompt

    mode.change(example_fn, [mode, prompt], prompt, api_visibility="private")
    return [go.click(samples_fn, [prompt, mode, n, temperature, top_p, seed, max_tokens, session],
                     [summary, predicted, observed, answers], api_name="lab_samples")]


def _compare(ctx: AppContext, session: gr.State) -> list[Dependency]:
    gr.Markdown(COMPARE_HELP)
    prompt = gr.Textbox("Explica en dos frases qué es la temperatura en un LLM.", lines=2,
                        label="Prompt", info="El mismo para todas. / The same for all.")
    configs = gr.Dataframe(
        [["local", "", 0.0, 1.0, 64, 1], ["local", "", 1.5, 1.0, 64, 1]], headers=compare.COLUMNS,
        datatype=["str", "str", "number", "number", "number", "number"], row_count=2,
        interactive=True,
        label="Configuraciones (2–4) / Configurations (2–4)")
    gr.Markdown("backend: `local` | `openai` | `compatible`; modelo vacío = el del backend; añade "
                "filas para 3 o 4. / model empty = the backend's default; add rows for 3 or 4.")
    go = gr.Button("Comparar / Compare", variant="primary")
    board = gr.HTML()
    results = gr.JSON(visible=False)
    with gr.Row():
        choice = gr.Radio([*compare.NAMES, votes.TIE], label="¿Cuál es mejor? / Which is better?",
                          info="Tu voto se guarda en esta sesión. / Your vote stays in this "
                               "session.")
        vote = gr.Button("Votar / Vote")
    said = gr.Markdown()
    with gr.Row():
        download = gr.Button("Descargar votos / Download votes", size="sm")
        tally = gr.File(label="Votos / Votes (JSON)", height=90)
    kept = gr.State([])

    @friendly_stream
    def compare_fn(prompt: str, rows: Any, state: Session
                   ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        if not (prompt or "").strip():
            raise gr.Error("Escribe un prompt. / Type a prompt.")
        cfgs = compare.parse_configs(rows.values.tolist() if hasattr(rows, "values") else rows)
        labels = [c.label(i) for i, c in enumerate(cfgs)]
        messages = [{"role": "user", "content": prompt}]
        with ctx.fair.admit(state.id, "experiments"):
            starts = [compare.start_for(ctx, state, c, messages) for c in cfgs]
            for snapshot in compare.stream_all(starts):
                yield (compare.side_by_side_html(labels, snapshot),
                       compare.answers_json(labels, snapshot))

    @friendly
    def vote_fn(prompt: str, results: Any, choice: str, done: list[dict[str, Any]]
                ) -> tuple[list[dict[str, Any]], str]:
        new = votes.add_vote(done, prompt, results or [], choice)
        return new, votes.tally(new)

    @friendly
    def download_fn(done: list[dict[str, Any]]) -> str:
        if not done:
            raise gr.Error("Aún no hay votos. / No votes yet.")
        path = ctx.workdirs.fresh() / "votos_votes.json"
        path.write_text(votes.votes_json(done), encoding="utf-8")
        return str(path)

    billed = [go.click(compare_fn, [prompt, configs, session], [board, results],
                       api_name="lab_compare")]
    vote.click(vote_fn, [prompt, results, choice, kept], [kept, said], api_name="lab_vote")
    download.click(download_fn, kept, tally, api_name="lab_votes")
    return billed


def _errors(ctx: AppContext, session: gr.State) -> None:
    gr.Markdown(ERRORS_HELP)
    server = FaultServer(hang_s=HANG_S)
    pool = simulator_pool(ctx.pool.max_retries)
    failure = gr.Radio([(LABELS[f], f) for f in FAILURES], value="rate_limit",
                       label="Fallo / Failure",
                       info=f"El de tiempo agotado espera {TIMEOUT_S:g} s (en la app, "
                            f"CHATBOT_TIMEOUT = {ctx.pool.timeout:g} s). / The timeout one waits "
                            f"{TIMEOUT_S:g} s (in the app, CHATBOT_TIMEOUT = "
                            f"{ctx.pool.timeout:g} s).")
    with gr.Row():
        go = gr.Button("Provocar / Trigger", variant="primary")
        stop = gr.Button("Detener / Stop")
    with gr.Row():
        with gr.Column():
            final = gr.Markdown()
            timeline = gr.Markdown()
            url = gr.Textbox(label="URL base simulada / Simulated base URL", interactive=False,
                             visible=not ctx.settings.hosted,  # a public server refuses it there
                             info="Pégala en Ajustes para ver el mismo fallo en el Chat. / Paste "
                                  "it in Settings to meet the same failure in the Chat.")
        code = gr.Code(snippet("rate_limit"), language="python",
                       label="Cómo se maneja / How it is handled")

    @friendly
    def errors_fn(failure: str, state: Session) -> tuple[str, str, str, str]:
        if failure not in FAILURES:
            raise gr.Error(f"Elige un fallo / Pick a failure: {', '.join(FAILURES)}")
        with ctx.fair.admit(state.id, "simulations"):
            run = simulate(server, failure, pool, ctx.catalog, pool.max_retries)
        return run.final, timeline_markdown(run), run.base_url, snippet(failure)

    running = go.click(errors_fn, [failure, session], [final, timeline, url, code],
                       api_name="lab_errors")
    stop.click(None, None, None, cancels=[running], api_visibility="private")
    failure.change(snippet, failure, code, api_visibility="private")


def build_lab_tab(ctx: AppContext, session: gr.State) -> list[Dependency]:
    """Returns the events that spend, so the app can refresh the status line after them."""
    billed: list[Dependency] = []
    with gr.Tab("Siguiente token / Next token"):
        billed += _next_and_reshape(ctx, session)
    with gr.Tab("Paso a paso / Step through"):
        billed += _step(ctx, session)
    with gr.Tab("Muestras / Samples"):
        billed += _samples(ctx, session)
    with gr.Tab("Comparar / Compare"):
        billed += _compare(ctx, session)
    with gr.Tab("Errores / Errors"):
        _errors(ctx, session)
    return billed
