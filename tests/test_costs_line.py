"""The "before you send" line shared by the tabs."""

from chatbot.context import AppContext
from chatbot.context.costs import estimate_markdown
from chatbot.settings import Settings

CHAT = [{"role": "user", "content": "Hola, ¿qué tal?"}]


def test_openai_models_get_a_cost_range_that_grows_with_max_tokens() -> None:
    ctx = AppContext.create(Settings.from_env({"OPENAI_API_KEY": "sk-x"}), embedded=False)
    session = ctx.new_session()
    short = estimate_markdown(ctx, session, "gpt-4o-mini", CHAT, 10)
    long = estimate_markdown(ctx, session, "gpt-4o-mini", CHAT, 10_000)
    low, high = (float(x.split()[0]) for x in short.split("$")[1:])
    low2, high2 = (float(x.split()[0]) for x in long.split("$")[1:])
    assert low == low2 and high < high2
    assert "tokens de entrada / input tokens" in short


def test_retired_models_say_so_and_local_ones_are_free() -> None:
    ctx = AppContext.create(Settings.from_env({}), embedded=True)
    session = ctx.new_session()
    assert "gpt-4.1" in estimate_markdown(ctx, session, "gpt-4", CHAT, 10)
    assert "gratis / local model: free" in estimate_markdown(ctx, session,
                                                             ctx.model_for(session), CHAT, 10)


def test_several_calls_multiply_the_worst_case() -> None:
    ctx = AppContext.create(Settings.from_env({"OPENAI_API_KEY": "sk-x"}), embedded=False)
    one = estimate_markdown(ctx, ctx.new_session(), "gpt-4o-mini", CHAT, 10)
    three = estimate_markdown(ctx, ctx.new_session(), "gpt-4o-mini", CHAT, 10, calls=3)
    assert "× 3" in three
    assert float(three.split("$")[-1]) == 3 * float(one.split("$")[-1])
