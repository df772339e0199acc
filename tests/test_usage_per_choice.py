"""n answers in one request on the embedded model: usage and cost count every answer.

llama-server returns n choices but its `usage` counts one of them (measured: 24 output tokens
reported for three answers holding 67). The client counts each choice's tokens and bills what
was generated, with a note saying so."""

from __future__ import annotations

import pytest

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger

pytestmark = pytest.mark.model


def test_three_answers_bill_the_tokens_of_all_three(embedded: EmbeddedServer) -> None:
    ledger = Ledger()
    client = LLMClient(Backend("local", embedded.base_url), SDKPool(120, 1), Catalog.load(),
                       ledger)
    params = ChatParams(model=embedded.model_name, n=3, max_tokens=24, temperature=1.0, seed=7,
                        logprobs=True, top_logprobs=1)
    result = client.chat([{"role": "user", "content": "Escribe un eslogan para una escuela de "
                                                      "programación online."}], params)
    assert len(result.choices) == 3 and result.requests == 1
    generated = sum(len(c.logprobs or ()) for c in result.choices)
    assert generated > max(len(c.logprobs or ()) for c in result.choices)  # all, not one
    assert result.usage.completion_tokens == generated
    assert ledger.completion_tokens == generated
    assert any(f": {generated}." in note.said("es") for note in result.notes)  # and says so
