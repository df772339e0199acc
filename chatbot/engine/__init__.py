"""The engine: the embedded llama.cpp server's lifecycle (the verified GGUF, start, wait, stop),
the model's name, and the servers of models tuned on this machine with their registry on disk.

Core: imports nothing above it. The client talks to these servers only through their URLs.
"""
