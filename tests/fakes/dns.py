"""A rebinding name for the app's process: public when looked up, loopback when connected to.

DNS is the network's edge, so this is a fake at the boundary like the servers: installed before
`app.py` runs (see `launch`), it answers `socket.getaddrinfo` for the names given. A lookup made
by `socket.create_connection` (the moment a socket connects) gets `at_connect`; any other lookup
(a check of the typed URL) gets `when_checked`. That is DNS rebinding made deterministic: an
attacker's name with a zero TTL that says one thing to the check and another to the connection.

    python -c "from tests.fakes import dns; dns.main()" NAME CHECKED CONNECTED -- app.py
"""

from __future__ import annotations

import runpy
import socket
import sys
from typing import Any

_real_getaddrinfo = socket.getaddrinfo


def install(names: dict[str, tuple[str, str]]) -> None:
    """`names`: host -> (address when checked, address at connect time)."""

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in names:
            checked, connected = names[host]
            connecting = _called_from(socket.create_connection.__code__)
            host = connected if connecting else checked
        return _real_getaddrinfo(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def _called_from(code: Any) -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def main() -> None:
    """Install one rebinding name, then run a script as `python script.py` would."""
    name, checked, connected, _, script = sys.argv[1:6]
    install({name: (checked, connected)})
    sys.argv = [script]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
