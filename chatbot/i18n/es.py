"""Spanish: the course's language. Same keys as en.py (chatbot/i18n/__init__.py says how to add
one)."""

STRINGS: dict[str, str] = {
    "app.title": "Laboratorio de chatbots con la API de OpenAI",
    "app.language": "Idioma",
    "app.title_md": "# 🤖 Laboratorio de chatbots con la API de OpenAI",
    "tab.sentiment": "Sentimiento",
    "tab.chat": "Chat",
    "tab.playground": "Playground",
    "tab.tokens": "Tokens",
    "tab.finetune": "Fine-tuning",
    "tab.lab": "Laboratorio",
    "ledger.spent_of": "{spent} de {budget}",
    "ledger.summary": (
        "Gastado: {spent} · {calls} llamadas · {prompt} tokens de entrada + {completion} de salida"),
    "ledger.unpriced": " · {n} sin precio conocido",
    "status.slots": " · {busy}/{slots} plazas ocupadas",
    "status.waiting": " · {waiting} en cola: las nuevas preguntas esperan turno",
    "status.embedded_ready": "🟢 Embebido listo",
    "status.embedded_starting": "🟡 Cargando el modelo embebido…",
    "status.embedded_stopped": "⚪ Embebido parado (arranca al primer uso)",
    "status.embedded_failed": "🔴 El modelo embebido falló: ",
    "status.compatible": "🟣 Servidor compatible",
    "status.hosted": "🌐 **Modo alojado** · ",
    "status.model": "Modelo",
    "status.recorded": "Total guardado: {usd}",
    "status.host_today": "Hoy, en la cuenta del anfitrión: {usd} de {limit}",
}
