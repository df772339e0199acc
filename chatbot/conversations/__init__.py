"""Conversations a student keeps: a tree of branches with feedback, its export and import, and
the training data made from the answers they liked. Plain functions, no Gradio."""
