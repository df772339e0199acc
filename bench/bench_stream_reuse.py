"""Streamed answers with and without connection reuse, against the local fake OpenAI server.

    python bench/bench_stream_reuse.py [--answers 40] [--rounds 5]

"With reuse" is the app's SDK client (`SDKPool`, which reads a stream's end after `data: [DONE]`);
"without" is the SDK's own client, as the app built it before, which drops the connection after
every stream. Both stream the same short answer from the fake on 127.0.0.1, over plain HTTP and
over TLS (a throwaway self-signed certificate, made with the `openssl` command): loopback has no
network latency, so the ratio is the CPU of opening connections, not a real round trip. Rounds
alternate the two clients so a busy machine weighs on both. Prints the median time per answer,
the connections the server accepted, and the ratio (without / with).
"""

from __future__ import annotations

import argparse
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openai
from openai.types.chat import ChatCompletionMessageParam

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chatbot.client import Backend, SDKPool
from tests.fakes.openai_server import FakeOpenAI

KEY = "sk-bench-0001"
ASK: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hola, ¿qué tal?"}]


def _certificate(folder: str) -> tuple[str, str]:
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def _per_answer(client: openai.OpenAI, answers: int) -> float:
    start = time.perf_counter()
    for _ in range(answers):
        for _chunk in client.chat.completions.create(model="gpt-4o-mini", messages=ASK,
                                                     stream=True):
            pass
    return (time.perf_counter() - start) / answers


def run(tls: bool, answers: int, rounds: int, folder: str) -> None:
    with FakeOpenAI() as fake:
        scheme = "http"
        if tls:
            cert, key = _certificate(folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            server = fake._server  # the fake's listening socket, same descriptor, now TLS
            server.socket = context.wrap_socket(server.socket, server_side=True)
            os.environ["SSL_CERT_FILE"] = cert  # both clients trust it the ordinary way
            scheme = "https"
        url = f"{scheme}://127.0.0.1:{fake.port}/v1"
        clients = {"with reuse": SDKPool(30, 0).get(Backend("compatible", url, KEY)),
                   "without": openai.OpenAI(api_key=KEY, base_url=url, max_retries=0)}
        times: dict[str, list[float]] = {name: [] for name in clients}
        opened = dict.fromkeys(clients, 0)
        for _ in range(rounds):
            for name, client in clients.items():
                before = fake.connections
                times[name].append(_per_answer(client, answers))
                opened[name] += fake.connections - before
        os.environ.pop("SSL_CERT_FILE", None)
    median = {name: statistics.median(t) for name, t in times.items()}
    print(f"{scheme.upper():5} " + "  ".join(
        f"{name}: {median[name] * 1000:.2f} ms/answer, {opened[name]} connections"
        for name in clients) + f"  ratio {median['without'] / median['with reuse']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=40, help="streamed answers per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{args.rounds} rounds x {args.answers} streamed answers per client, fake on loopback; "
          f"load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        run(False, args.answers, args.rounds, folder)
        run(True, args.answers, args.rounds, folder)


if __name__ == "__main__":
    main()
