"""The tokens tool: count and see tokens and costs, as a Gradio tab's view and as a command line."""
