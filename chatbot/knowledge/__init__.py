"""A bot that knows things: the student's documents split into passages, searched by their words
(and by meaning where the backend has embeddings), and the best passages put in the prompt with
their file and section, so the answer can cite them.

Modules: `passages` (files → passages), `search` (the lexical index), `meaning` (passages
embedded where the backend can, searched by meaning too), `grounding` (passages into
the system prompt within a token budget; the sources shown with the answer), `pack` (the course's
own concepts, shipped), `views` (what retrieval found for one question, for the Chat tab),
`library` (a session's documents and the pack, searched each turn: the Chat tab's and the bot's).
"""

from chatbot.knowledge.grounding import Grounding, ground, sources_markdown, sources_title
from chatbot.knowledge.library import Library, embed, for_turn, load, summary
from chatbot.knowledge.pack import course_pack
from chatbot.knowledge.passages import Passage, read_files
from chatbot.knowledge.search import Hit, Index

__all__ = ["Grounding", "Hit", "Index", "Library", "Passage", "course_pack", "embed", "for_turn",
           "ground", "load", "read_files", "sources_markdown", "sources_title", "summary"]
