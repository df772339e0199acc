"""The lab's own experiments: see the next-token distribution, reshape it, sample from it, compare
configurations and meet the API's failures. Pure modules here; `chatbot/ui/lab.py` only wires them."""
