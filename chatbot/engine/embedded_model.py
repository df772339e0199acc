"""The embedded model's name: the catalog lists it and the backend serves it.

A module of its own so the catalog (pure data) does not import the server code in `llama_server.py`.
"""

LOCAL_MODEL_NAME = "qwen2.5-coder-0.5b-instruct"
