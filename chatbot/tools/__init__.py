"""Functions the chat offers the model (OpenAI `tools`): safe built-ins and the student's own.

Modules: `calculator` (arithmetic, parsed, never evaluated), `toolbox` (the tools offered, the
student's table of answers, running one call), `loop` (asking, running the calls the model makes,
asking again; natively or with the answer constrained to a JSON schema over the tool list).
Nothing here runs anything but the built-ins and the student's table.
"""

from chatbot.tools.loop import ToolTurn, answer_with_tools
from chatbot.tools.toolbox import BUILTIN_NAMES, Tool, Toolbox, ToolRun, builtins, custom_tool

__all__ = ["BUILTIN_NAMES", "Tool", "ToolRun", "ToolTurn", "Toolbox", "answer_with_tools",
           "builtins", "custom_tool"]
