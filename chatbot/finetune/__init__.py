"""Fine-tuning: check and prepare a training file, count and price it, run and follow jobs on
OpenAI or on this machine, and compare a tuned model with its base.

Other features (the token counter) use what is exported here, never the modules behind it."""

from chatbot.finetune.counting import DatasetCount, count_dataset

__all__ = ["DatasetCount", "count_dataset"]
