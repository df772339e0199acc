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
    "chat.higher_more_varied_answers": "Más alto, respuestas más variadas.",
    "chat.longest_answer_in_tokens": "Longitud máxima de cada respuesta en tokens.",
    "chat.a_bot_with_its": "Un bot con identidad propia: elige una persona o escribe la tuya.",
    "chat.nothing_to_retry": "No hay mensaje que reintentar.",
    "chat.loads_an_example_name": "Carga un nombre, prompt de sistema y saludo de ejemplo.",
    "chat.name": "Nombre",
    "chat.what_the_bot_calls": "Cómo se presenta el bot.",
    "chat.system_prompt": "Prompt de sistema",
    "chat.instructions_the_bot_follows": "Instrucciones que el bot sigue en toda la conversación.",
    "chat.greeting": "Saludo",
    "chat.the_bot_s_first": "El primer mensaje del bot al empezar o limpiar.",
    "chat.parameters": "Parámetros",
    "chat.persona_preset_json": "Preset de persona (JSON)",
    "chat.message": "Mensaje",
    "chat.type_and_press_enter": "Escribe y pulsa Enter…",
    "chat.enter_sends_shift_enter": "Enter envía; Shift+Enter, nueva línea.",
    "chat.send": "Enviar",
    "chat.retry": "🔄 Reintentar",
    "chat.undo": "↩️ Deshacer",
    "chat.clear": "🗑️ Limpiar",
    "sentiment.on_the_embedded_model": (
        "en el modelo embebido, los embeddings (el que mejor midió en tweets reales); en los demás, el "
        "prompt"),
    "sentiment.the_model_sees_the": (
        "el modelo ve el prompt de la derecha y se leen las probabilidades de las tres etiquetas en su "
        "primer token"),
    "sentiment.as_above_but_the": (
        "como el anterior, pero los ejemplos son los tweets del pool más parecidos (2 por etiqueta)"),
    "sentiment.the_tweet_becomes_a": (
        "el tweet se convierte en un vector (embedding) y un clasificador lineal entrenado con tweets "
        "etiquetados decide, junto con otro sobre sus palabras (TF-IDF)"),
    "sentiment.batch": "### Lote",
    "sentiment.classify_batch": "Clasificar lote",
    "sentiment.classify_spanish_or_english": (
        "Clasifica tweets en español o inglés como positivos, neutros o negativos, de tres maneras que "
        "puedes comparar.\n\n"),
    "sentiment.results": "Resultados",
    "sentiment.download_the_table_csv": "Descargar la tabla (CSV)",
    "sentiment.1_embeddings_call_per": "1 llamada de embeddings por tweet",
    "sentiment.classify": "Clasificar",
    "sentiment.reset_prompt": "Restaurar prompt",
    "sentiment.a_csv_with_text": (
        "Un CSV con columnas text y label (positive/neutral/negative), p. ej. un split de entrenamiento: "
        "de él salen los ejemplos parecidos y los vecinos más cercanos."),
    "sentiment.one_per_line": "Tweets (uno por línea)",
    "sentiment.upload_a_csv_with": (
        "Sube un CSV con una columna text, tweet o texto (coma, punto y coma o tabulador); sus tweets van "
        "después de los pegados."),
    "sentiment.preparing": "Preparando",
    "sentiment.classifying": "Clasificando",
    "sentiment.finally_friday": "¡Por fin viernes! 🎉",
    "sentiment.the_tweet_to_classify": "El tweet que quieres clasificar, en español o inglés.",
    "sentiment.probability_per_label": "Probabilidad por etiqueta",
    "sentiment.method": "Método",
    "sentiment.how_the_label_is": (
        "Cómo se decide la etiqueta; los ejemplos parecidos salen del pool de abajo, y con él los "
        "embeddings muestran los tweets más cercanos."),
    "sentiment.calibrate": "Calibrar",
    "sentiment.pool_of_labelled_tweets": "Pool de tweets etiquetados (CSV text,label)",
    "sentiment.column_text_tweet_texto": "CSV (columna text, tweet o texto)",
    "playground.randomness_0_nearly_fixed": "Aleatoriedad: 0 casi determinista, 2 muy creativo.",
    "playground.only_sample_from_tokens": "Solo considera los tokens que suman esta probabilidad.",
    "playground.how_many_different_answers": "Cuántas respuestas distintas pedir (1–8).",
    "playground.longest_answer_in_tokens": "Longitud máxima de cada respuesta.",
    "playground.penalises_repeating_the_same": "Penaliza repetir los mismos tokens.",
    "playground.nudges_towards_new_topics": "Empuja a hablar de temas nuevos.",
    "playground.up_to_4_sequences": "Hasta 4 secuencias, una por línea; el texto se corta ahí.",
    "playground.a_whole_number_to": "Un entero para repetir resultados (si el backend lo admite).",
    "playground.colour_each_token_by": "Colorea cada token por su probabilidad.",
    "playground.alternatives_shown_per_token": "Alternativas mostradas por token (pasa el ratón).",
    "playground.try_the_parameters_of": "Prueba los parámetros del Playground de OpenAI y mira su efecto.",
    "playground.outputs": "Respuestas",
    "playground.python_code": "Código Python",
    "playground.raw_result": "Respuesta en bruto",
    "playground.parameter_presets": "Presets de parámetros",
    "playground.save_these_parameters_as": "Guarda estos parámetros en un JSON y cárgalos otro día.",
    "playground.system_prompt": "Prompt de sistema",
    "playground.general_instructions_for_the": "Instrucciones generales para el modelo.",
    "playground.user_message": "Mensaje de usuario",
    "playground.what_you_ask_the": "Lo que le pides al modelo.",
    "playground.chat_takes_role_messages": "Chat usa mensajes con rol; legacy, un solo texto.",
    "playground.run": "Ejecutar",
    "playground.view_code": "Ver código",
    "playground.model": "Modelo",
    "playground.blank_the_model_active": "Vacío: el modelo activo en Ajustes; o escribe cualquier nombre.",
    "tokens.hover_a_token_to": (
        "Pasa el ratón por un token para ver su id; · es un espacio, → un tabulador, ↵ un salto de línea."),
    "tokens.counts": "Recuento",
    "tokens.cost_of_this_text": "Coste de este texto como entrada o como salida",
    "tokens.text_or_chat": "Texto o chat",
    "tokens.free_text_or_a": (
        "Texto libre, o una lista JSON de mensajes (role, content) para contar el formato de chat."),
    "tokens.count": "Contar",
    "tokens.chat_example": "Ejemplo de chat",
    "tokens.show_tokens_of": "Ver tokens de",
    "tokens.which_tokenizer_colours_the": "Qué tokenizador colorea el texto; los recuentos salen todos.",
    "tokens.embedded_model": "Modelo integrado",
    "lab.next_token_distribution_the": (
        "**Distribución del siguiente token.** El modelo no elige palabras: da una probabilidad\na cada "
        "token de su vocabulario. Aquí ves sus candidatos más probables (`top_logprobs`, hasta 20),\np = "
        "exp(logprob), y la probabilidad que queda para todos los demás tokens."),
    "lab.reshape_it_no_new": (
        "**Remodélala.** Sin llamar otra vez al modelo: la temperatura aplica p_i ∝ exp(log p_i/T) (T < 1 "
        "afila, T > 1 aplana, T = 0 es voraz), top_k deja los k primeros y top_p el menor grupo cuya masa "
        "llega a top_p; lo que queda se renormaliza. Lo eliminado queda en gris claro.\n\n**El resto del "
        "vocabulario** (barra ámbar) no es un solo token: son muchos, ninguno más probable que el último "
        "candidato (p_min). Por eso la temperatura lo trata como resto·p_min^(1/T−1), no como resto^(1/T); "
        "si lo templaras como un solo bloque te saldría otro número (en un caso medido, 0,074 de "
        "diferencia)."),
    "lab.step_through_draw_one": (
        "**Paso a paso.** Saca un token de la distribución remodelada, lo añade al texto y pide la "
        "siguiente distribución. Con temperatura alta verás cuándo el texto se tuerce.\n\n**Misma semilla, "
        "mismo paso** solo mientras el servidor devuelva las mismas probabilidades: pueden variar un poco "
        "entre llamadas (p. ej. 0,2884 → 0,2797 en el modelo embebido, por su caché de prompt), y con "
        "ellas el token sacado."),
    "lab.samples_follow_the_probabilities": (
        "**Las muestras siguen a las probabilidades.** Pide N respuestas y cuenta con qué\ntoken empieza "
        "cada una, junto a la probabilidad predicha. Con T = 0 salen todas iguales; con una\nsemilla fija, "
        "la misma tanda se repite. Si el servidor no dice qué token sacó, cada respuesta cuenta\npara el "
        "candidato más largo con que empieza su texto («Blanco» → «Bl», no «B»). En el modelo\nembebido la "
        "app apaga min_p y top_k de llama.cpp (por defecto 0,05 y 40), que quitan los tokens\nraros: con "
        "ellos, las muestras salen más concentradas que las probabilidades. En la forma\n*Sentimiento* el "
        "texto es un tweet con el prompt de la pestaña Sentimiento y se cuenta cada\netiqueta (positivo, "
        "neutro, negativo) junto a su probabilidad predicha: la suma de sus candidatos."),
    "lab.compare_one_prompt_under": (
        "**Comparar.** El mismo prompt con 2 a 4 configuraciones (backend, modelo,\nparámetros) a la vez: "
        "respuestas en paralelo con tokens, latencia y coste, y resaltado lo que\ndifiere de A. Vota la "
        "mejor; tus votos se guardan en tu sesión y se descargan en JSON."),
    "lab.error_simulator_a_simulated": (
        "**Simulador de errores.** Un servidor OpenAI simulado en 127.0.0.1 falla a\npropósito y el "
        "cliente real de la app se enfrenta a él: ves cada intento, cada espera y el mensaje\nfinal, el "
        "mismo que da la pestaña Chat. Nunca usa tu clave y funciona sin internet."),
    "lab.blue_kept_light_grey": " (azul: se queda · gris claro: eliminado · gris: resto del vocabulario)",
    "lab.sentiment_the_text_is": "Sentimiento: el texto es un tweet",
    "lab.plain_text": "Completion (texto plano)",
    "lab.show_candidates": "Ver candidatos",
    "lab.probabilities": "Probabilidades",
    "lab.next_distribution": "Siguiente distribución",
    "lab.ask_n_answers": "Pedir N respuestas",
    "lab.model_empty_the_backend": (
        "backend: `local` | `openai` | `compatible`; modelo vacío = el del backend; añade filas para 3 o "
        "4."),
    "lab.compare": "Comparar",
    "lab.trigger": "Provocar",
    "lab.fetch_the_distribution_first": "Primero pide la distribución.",
    "lab.candidates": "Candidatos",
    "lab.data_json": "Datos (JSON)",
    "lab.text": "Texto",
    "lab.continued_as_plain_text": "Se continúa como texto plano (completion), token a token.",
    "lab.the_draw_s_seed": "Semilla del sorteo; el paso k usa seed + k.",
    "lab.draw_a_token": "Sacar un token",
    "lab.start_over": "Empezar de nuevo",
    "lab.steps": "Pasos",
    "lab.answers": "Respuestas",
    "lab.the_same_for_all": "El mismo para todas.",
    "lab.configurations_2_4": "Configuraciones (2–4)",
    "lab.vote": "Votar",
    "lab.votes_json": "Votos (JSON)",
    "lab.failure": "Fallo",
    "lab.next_token": "Siguiente token",
    "lab.step_through": "Paso a paso",
    "lab.samples": "Muestras",
    "lab.errors": "Errores",
    "lab.0_greedy_1_sharpens": "T: 0 voraz, <1 afila, >1 aplana.",
    "lab.keeps_the_k_likeliest": "Deja los k más probables (0 = sin corte).",
    "lab.keeps_the_smallest_set": "Deja el menor grupo que suma top_p.",
    "lab.your_text_the_model": "Tu texto; el modelo propone cómo sigue.",
    "lab.model_candidates": "Candidatos del modelo",
    "lab.reshaped": "Remodelada",
    "lab.step": "paso",
    "lab.what_is_asked_n": "Lo que se pregunta N veces.",
    "lab.form": "Forma",
    "lab.chat_plain_text_or": "Chat, texto plano, o un tweet clasificado (cuenta etiquetas).",
    "lab.how_many_answers_to": "Cuántas respuestas pedir.",
    "lab.the_request_s_temperature": "La de la petición.",
    "lab.the_request_s_top": "El top_p de la petición.",
    "lab.fixed_the_run_repeats": "Fija = la tanda se repite; vacía = azar.",
    "lab.length_of_each_answer": "Largo de cada respuesta.",
    "lab.answer": "respuesta",
    "lab.count": "veces",
    "lab.which_is_better": "¿Cuál es mejor?",
    "lab.your_vote_stays_in": "Tu voto se guarda en esta sesión.",
    "lab.type_a_prompt": "Escribe un prompt.",
    "lab.how_it_is_handled": "Cómo se maneja",
    "lab.chat_a_user_message": "Chat: mensaje de usuario. Completion: continúa el texto.",
    "lab.how_many_candidates_to": "Cuántos candidatos pedir.",
    "lab.simulated_base_url": "URL base simulada",
    "lab.paste_it_in_settings": "Pégala en Ajustes para ver el mismo fallo en el Chat.",
    "settings_panel.embedded_no_key_or": "Embebido, sin clave ni internet",
    "settings_panel.key": "OpenAI (clave)",
    "settings_panel.compatible_server": "Servidor compatible (Ollama, vLLM, LM Studio…)",
    "settings_panel.paste_your_openai_key": "Pega tu clave de OpenAI (sk-…) o usa el modelo embebido.",
    "settings_panel.the_budget_cannot_be": "El presupuesto no puede ser negativo.",
    "settings_panel.this_session_s_settings": "⚙️ Ajustes de esta sesión",
    "settings_panel.changes_here_apply_to": (
        "Lo que cambies aquí vale solo para ti; la clave no se guarda ni se muestra."),
    "settings_panel.apply": "Aplicar",
    "settings_panel.type_the_server_s": "Escribe la URL base del servidor, p. ej. http://localhost:11434/v1",
    "settings_panel.who_answers_your_requests": "Quién responde a tus peticiones.",
    "settings_panel.model": "Modelo",
    "settings_panel.blank_the_backend_s": (
        "Vacío: el predeterminado del backend; puedes escribir cualquier nombre."),
    "settings_panel.api_key": "Clave de API",
    "settings_panel.for_your_session_only": "Solo para tu sesión; se borra del cuadro al aplicar.",
    "settings_panel.base_url": "URL base",
    "settings_panel.for_openai_compatible_servers": "Para servidores compatibles con OpenAI.",
    "settings_panel.budget_usd": "Presupuesto (USD)",
    "settings_panel.refuses_requests_whose_worst": (
        "Rechaza peticiones cuyo peor caso lo supere; en un servidor público solo puedes bajarlo."),
    "presets.download_preset": "💾 Descargar preset",
    "presets.load_preset": "📂 Cargar preset",
    "presets.no_file_arrived": "⚠️ No llegó ningún archivo.",
    "capability_controls.how_much_a_reasoning": (
        "Cuánto piensa un modelo de razonamiento antes de responder (tokens ocultos que se pagan como "
        "salida); none devuelve temperature y logprobs donde existe."),
    "capability_controls.sent_as_max_completion": (
        "Se envía como max_completion_tokens: incluye los tokens de razonamiento ocultos."),
    "capability_controls.reasoning_model": "🧠 modelo de razonamiento",
    "capability_controls.sampling_model": "🎲 modelo de muestreo",
    "capability_controls.catalog_data": "datos del catálogo",
    "capability_controls.embedded_model": "modelo integrado",
    "capability_controls.probed_on_this_server": "comprobado en este servidor",
    "capability_controls.unknown_model_assumed_to": (
        "modelo desconocido: se supone que acepta todo y se aprende de sus rechazos"),
    "capability_controls.default": "predeterminado",
    "finetune.line": "línea",
    "finetune.severity": "tipo",
    "finetune.code": "código",
    "finetune.problem": "problema",
    "finetune.how_to_fix": "cómo arreglarlo",
    "finetune.status": "estado",
    "finetune.model": "modelo",
    "finetune.trained_model": "modelo entrenado",
    "finetune.created": "creado",
    "finetune.when": "cuándo",
    "finetune.level": "nivel",
    "finetune.message": "mensaje",
    "finetune.label": "etiqueta",
    "finetune.precision": "precisión",
    "finetune.recall": "exhaustividad",
    "finetune.support": "ejemplos",
    "finetune.csv_only_blank_recognised": "Solo CSV; vacío: se reconoce por el nombre.",
    "finetune.this_session_s_backend": "Backend de esta sesión",
    "finetune.embedded_model": "Modelo embebido",
    "finetune.validate_cost": "1 · Validar y coste",
    "finetune.prepare": "Preparar",
    "finetune.train": "3 · Entrenar",
    "finetune.upload_and_launch": "Subir y lanzar",
    "finetune.evaluate": "Evaluar",
    "finetune.problems_by_line": "Problemas por línea",
    "finetune.tokens_per_example": "tokens por ejemplo",
    "finetune.examples": "ejemplos",
    "finetune.tokens_per_example_2": "Tokens por ejemplo",
    "finetune.question_column": "Columna de preguntas",
    "finetune.answer_column": "Columna de respuestas",
    "finetune.fixes_to_apply": "Arreglos a aplicar",
    "finetune.nothing_changes_unless_ticked": (
        "Nada cambia si no lo marcas; «Analizar» marca lo que propone para que lo revises."),
    "finetune.analyse": "Analizar",
    "finetune.prepared_files": "Ficheros preparados",
    "finetune.refresh": "Actualizar",
    "finetune.follow_to_the_end": "Seguir hasta el final",
    "finetune.cancel": "Cancelar",
    "finetune.my_jobs": "Mis trabajos",
    "finetune.use_the_trained_model": "Usar el modelo entrenado",
    "finetune.loss_and_accuracy": "Pérdida y exactitud",
    "finetune.events": "Eventos",
    "finetune.jobs": "Trabajos",
    "finetune.per_label": "Por etiqueta",
    "finetune.side_by_side_disagreements": "Lado a lado, primero donde difieren",
    "finetune.jsonl_file": "Fichero JSONL",
    "finetune.validate": "Validar",
    "finetune.csv_or_jsonl": "CSV o JSONL",
    "finetune.validation_fraction": "Fracción de validación",
    "finetune.share_of_examples_kept": "Parte de los ejemplos que se aparta para evaluar.",
    "finetune.seed": "Semilla",
    "finetune.the_same_seed_gives": "La misma semilla da el mismo reparto.",
    "finetune.model_token_limit": "Modelo (límite de tokens)",
    "finetune.to_spot_examples_that": "Para detectar ejemplos demasiado largos.",
    "finetune.training_jsonl": "Entrenamiento (JSONL)",
    "finetune.validation_optional": "Validación (opcional)",
    "finetune.base_model": "Modelo base",
    "finetune.those_still_accepting_jobs": "Los que aún aceptan trabajos, según el catálogo.",
    "finetune.suffix": "Sufijo",
    "finetune.appears_in_the_trained": "Aparece en el nombre del modelo entrenado.",
    "finetune.to_repeat_the_same": "Para repetir el mismo entrenamiento; vacía: al azar.",
    "finetune.epochs": "Épocas",
    "finetune.0_auto_by_size": "0: automático (según el tamaño).",
    "finetune.batch_size": "Tamaño de lote",
    "finetune.0_auto": "0: automático.",
    "finetune.lr_multiplier": "Multiplicador de LR",
    "finetune.0_auto_lower_if": "0: automático; más bajo si sobreajusta.",
    "finetune.validate_before_upload": "Validar antes de subir",
    "finetune.avoids_paying_for_a": "Evita pagar por un fichero que OpenAI rechazará.",
    "finetune.job_id": "Trabajo",
    "finetune.the_job_the_buttons": "El trabajo que miran los botones de abajo.",
    "finetune.poll_every_s": "Consultar cada (s)",
    "finetune.how_often_the_status": "Cada cuánto se pregunta por el estado al seguir.",
    "finetune.validation_jsonl_or_labelled": "JSONL de validación o CSV etiquetado",
    "finetune.confusion_a": "Confusión A",
    "finetune.confusion_b": "Confusión B",
    "finetune.model_2": "Modelo",
    "finetune.its_tokenizer_per_example": (
        "Su tokenizador, su límite por ejemplo y su precio de entrenamiento."),
    "finetune.0_openai_s_default": "0: las que OpenAI elige por defecto para este tamaño.",
    "finetune.system_prompt": "Prompt de sistema",
    "finetune.added_to_every_example": "Se añade a cada ejemplo que no tenga uno.",
    "finetune.output_format": "Formato de salida",
    "finetune.chat_for_gpt_4o": "Chat para gpt-4o-mini y similares.",
    "finetune.for_examples_without_one": "Para los ejemplos que no traen uno (p. ej. un CSV).",
    "finetune.text_column": "Columna de texto",
    "finetune.expected_column": "Columna esperada",
    "finetune.current_models": "Chat (modelos actuales)",
    "finetune.legacy": "prompt/completion (legado)",
    "finetune.at_most_examples": "Ejemplos como mucho",
    "finetune.the_embedded_model_takes": "El modelo embebido tarda unos segundos por respuesta.",
    "finetune.short_answers_are_enough": "Respuestas cortas bastan para etiquetas.",
    "finetune.this_session_s_or": "El de esta sesión o el embebido, sin clave.",
    "finetune.blank_the_session_s": "Vacío: el modelo de la sesión.",
    "finetune.own_system_prompt": "Prompt de sistema propio",
    "finetune.optional_replaces_the_file": "Opcional: sustituye al del fichero.",
    "finetune.blank_no_comparison": " (vacío: no se compara)",
    "finetune_local.train_on_this_machine": "🖥️ Entrenar en esta máquina (llama.cpp, sin clave)",
    "finetune_local.fine_tunes_the_embedded": (
        "Afina el modelo embebido aquí, en la CPU: con ~20 ejemplos aprende un **estilo**, no "
        "conocimientos. Usa el fichero y el sufijo de arriba."),
    "finetune_local.estimate": "Estimar",
    "finetune_local.train_here": "Entrenar aquí",
    "finetune_local.epochs": "Épocas",
    "finetune_local.passes_over_the_examples": "Pasadas por los ejemplos.",
    "finetune_local.learning_rate": "Tasa de aprendizaje",
    "finetune_local.1e_5_is_safe": "1e-5 es seguro; 5e-5 ya estropea el modelo.",
    "finetune_local.context": "Contexto",
    "finetune_local.tokens_per_training_window": "Tokens por ventana de entrenamiento; más, más memoria.",
    "finetune_local.optimizer": "Optimizador",
    "finetune_local.adamw_learns_better_11": "AdamW aprende mejor (~11 GB); SGD usa menos memoria.",
    "finetune.tab_prepare": "2 · Preparar",
    "finetune.tab_evaluate": "4 · Evaluar",
    "playground.finish_stop": "terminó",
    "playground.finish_length": "cortado por max_tokens",
    "playground.finish_content_filter": "filtrado",
    "playground.estimated_before": " · estimado antes: ${low}–${high}",
    "playground.requests": " · {n} peticiones",
    "playground.usage": (
        "**Uso:** {prompt} entrada · {completion} salida{reasoning} · {cached} en caché · **coste:** "
        "{cost}{estimate} · {seconds} s{fanned}"),
    "playground.of_which_reasoning": " (de ellos {n} de razonamiento)",
    "playground.running": "⏳ Generando…",
    "chat.cost": "coste",
    "sentiment.start": (
        "**Empieza aquí:** escribe un tweet o pulsa uno de los ejemplos, y luego **Clasificar**. Debajo "
        "ves la etiqueta y su probabilidad."),
    "sentiment.examples": "Ejemplos (pulsa uno)",
    "sentiment.methods_title": "Cómo se decide la etiqueta (métodos)",
    "sentiment.methods_md": (
        "Clasifica tweets en español o inglés como positivos, neutros o negativos, de maneras que puedes "
        "comparar.\n\n- **Automático**: en el modelo embebido, los embeddings (el que mejor midió en "
        "tweets reales); en los demás, el prompt.\n- **Prompt few-shot fijo**: el modelo ve el prompt de "
        "la derecha y se leen las probabilidades de las tres etiquetas en su primer token.\n- **Ejemplos "
        "parecidos del pool**: como el anterior, pero los ejemplos son los tweets del pool más parecidos "
        "(2 por etiqueta).\n- **Embeddings + clasificador lineal**: el tweet se convierte en un vector "
        "(embedding) y un clasificador lineal entrenado con tweets etiquetados decide, junto con otro "
        "sobre sus palabras (TF-IDF)."),
    "sentiment.method_auto": "Automático: el mejor medido para este modelo",
    "sentiment.method_prompt": "Prompt few-shot fijo",
    "sentiment.method_similar": "Ejemplos parecidos del pool",
    "sentiment.method_embeddings": "Embeddings + clasificador lineal",
    "sentiment.calibrate_info": (
        "Corrige el sesgo del modelo hacia una etiqueta: de serie con pesos medidos en tweets reales; con "
        "otro prompt o modelo, medido una vez en 18 tweets de referencia."),
    "sentiment.prompt_info": (
        "Instrucciones y ejemplos «Tweet: … Sentiment: …» que ve el modelo; edítalos y vuelve a "
        "clasificar."),
    "sentiment.paste_info": "Pega varios tweets, uno por línea; se clasifican hasta 100.",
    "sentiment.calibration_calls": " · la primera vez, +{n} llamadas de calibración",
    "tokens.col_model": "Modelo",
    "tokens.col_status": "Estado",
    "tokens.col_encoding": "Codificación",
    "tokens.col_tokens": "Tokens",
    "tokens.col_input": "Entrada (USD)",
    "tokens.col_output": "Salida (USD)",
    "tokens.col_tokenizer": "Tokenizador",
    "tokens.col_text": "Texto",
    "tokens.col_format": "Formato",
    "tokens.col_total": "Total",
    "tokens.col_chars_per_token": "Caracteres por token",
    "tokens.col_note": "Nota",
    "tokens.own_template": "su propia plantilla de chat",
    "tokens.unavailable": "no disponible: {why}",
    "tokens.plain_text": (
        "Texto suelto: sin formato de chat. Pega una lista JSON de mensajes para ver el formato."),
    "tokens.chat_format": (
        "**Formato de chat (OpenAI):** {messages} mensajes × {per} + {names} `name` × {per_name} + "
        "{priming} de cebado de la respuesta = **{total} tokens** (además del texto de cada campo, roles "
        "incluidos)."),
    "tokens.template_adds": (
        "**Modelo integrado:** su plantilla añade **{n} tokens** (elige su vista para verlos)."),
    "tokens.retired": "⚠️ retirado {date}",
    "tokens.shuts_down": "⏳ cierra {date}",
    "tokens.active": "✅ activo",
    "tokens.intro": (
        "**Empieza aquí:** el ejemplo ya está contado abajo; cambia el texto (o pulsa **Ejemplo de chat**) "
        "y pulsa **Contar**. Verás cómo se parte en tokens y cuánto costaría en cada modelo."),
    "tokens.prices": "Precios",
    "sentiment.label_positive": "positivo",
    "sentiment.label_neutral": "neutro",
    "sentiment.label_negative": "negativo",
    "sentiment.label_unknown": "sin clasificar",
    "sentiment.col_tweet": "tweet",
    "sentiment.col_sentiment": "sentimiento",
    "sentiment.col_confidence": "confianza",
    "sentiment.confidence_unavailable": "no disponible en este modelo",
    "sentiment.confidence_unknown": "¿?",
    "sentiment.uncalibrated": "Sin calibrar: {probs}",
    "sentiment.calibrated": "Calibrado: {probs}",
    "sentiment.mix": " (mezcla)",
    "sentiment.linear": "Clasificador lineal{mixed}: {probs}",
    "sentiment.examples_seen": "**Ejemplos que vio el modelo:**",
    "sentiment.nearest": "**Tweets de entrenamiento más cercanos:**",
    "sentiment.verdict": "### {name} · confianza: {confidence}",
    "sentiment.no_label": "El modelo no respondió con una etiqueta: escribió «{answer}».",
    "sentiment.no_logprobs_json": (
        "Este modelo no da logprobs: la etiqueta sale de una respuesta JSON limitada a las tres etiquetas "
        "(structured output) y la confianza no está disponible en este modelo."),
    "sentiment.no_logprobs": (
        "Este modelo no da logprobs: la etiqueta sale de su respuesta y la confianza no está disponible."),
    "sentiment.not_calibrated": "No pude medir el sesgo del modelo, así que no está calibrado.",
    "sentiment.usage": (
        "**Uso:** {calls} llamada(s) · {prompt} entrada · {completion} salida · **coste:** {cost} · "
        "{seconds} s"),
    "sentiment.setup": (
        "Preparación hecha ahora (una vez por backend, modelo y prompt o pool): {calls} llamadas, {tokens} "
        "tokens, {cost}"),
    "sentiment.pool_skipped": " · {n} filas sin etiqueta válida ignoradas",
    "lab.candidates_from": "**{n}** candidatos de `{model}`{fingerprint}. Petición: `{request}`",
    "lab.drawn": "Sacado: **`{token}`** con p = {p} (semilla {seed})",
    "lab.samples_said": (
        "**{n}** respuestas, **{distinct}** distintas, {requests} peticiones · system_fingerprint: "
        "{fingerprints}"),
    "lab.predicted_vs_observed": "Predicha (índigo) frente a observada (verde), por token",
    "lab.kept": "se queda",
    "lab.removed": "eliminado",
    "lab.rest": "resto del vocabulario",
    "lab.predicted": "predicha",
    "lab.observed": "observada",
    "lab.other_tokens": "otros tokens",
    "lab.col_token": "token",
    "lab.col_logprob": "logprob",
    "lab.col_before": "antes",
    "lab.col_after": "después",
    "lab.col_status": "estado",
    "lab.col_p": "p",
    "lab.timeout_waits": "El de tiempo agotado espera",
    "lab.pick_failure": "Elige un fallo: {names}",
    "lab.waits": "espera {seconds} s y reintenta",
    "lab.attempt": "intento {n}",
    "lab.timeline_head": "| s | quién | qué |",
    "lab.what_arrived": "**Lo que llegó:** {text} […]",
    "lab.server": "servidor",
    "lab.client": "cliente",
    "lab.failure_bad_key": "Clave no válida (401)",
    "lab.failure_rate_limit": "Límite de peticiones con retry-after (429)",
    "lab.failure_quota": "Sin saldo (429 insufficient_quota)",
    "lab.failure_server_error": "Error del servidor (500)",
    "lab.failure_timeout": "Tiempo agotado",
    "lab.failure_cut": "Respuesta cortada a medias",
    "lab.failure_context": "Contexto demasiado largo (400)",
    "lab.highlighted": "Resaltado: palabras que difieren de A",
    "lab.tie": "empate",
    "finetune.fix_drop_invalid": (
        "drop_invalid: Quitar las filas que no se pueden usar (JSON roto, respuesta vacía…)"),
    "finetune.fix_remove_duplicates": "remove_duplicates: Quitar ejemplos repetidos (se queda el primero)",
    "finetune.fix_remove_long": "remove_long: Quitar ejemplos que pasan del límite de tokens del modelo",
    "finetune.fix_lowercase": "lowercase: Pasar a minúsculas el texto (más de un tercio está en mayúsculas)",
    "finetune.fix_add_separator": (
        "add_separator: Añadir un separador común al final de cada prompt (solo formato legado)"),
    "finetune.fix_completion_space": (
        "completion_space: Empezar cada completion con un espacio (solo formato legado)"),
    "finetune.fix_add_stop": (
        "add_stop: Añadir una terminación común (stop) a cada completion (solo formato legado)"),
    "finetune.wind_down": (
        "⚠️ **OpenAI está cerrando el fine-tuning self-serve**: las organizaciones que nunca lo usaron ya "
        "no pueden crear trabajos, y el **2027-01-06** se cierra para todas. Los modelos ya entrenados "
        "siguen funcionando hasta que se retire su modelo base. Validar, preparar, estimar el coste y "
        "evaluar funcionan sin conexión, y sin clave puedes entrenar el modelo embebido en esta máquina "
        "(paso 3). Aceptan trabajos todavía (según el catálogo):"),
    "finetune.openai_upload": "☁️ Entrenar en OpenAI (clave): subir y lanzar",
    "finetune.model_a_title": "**Modelo A**",
    "finetune.model_b_title": "**Modelo B** (vacío: no se compara)",
    "costs.input_tokens": "≈ {n}{many} tokens de entrada",
    "costs.local_free": " · modelo local: gratis",
    "costs.unknown_price": " · precio desconocido",
    "costs.estimated": " · coste estimado: ${low} – ${high}",
    "finetune.id": "id",
    "finetune.f1": "F1",
}
