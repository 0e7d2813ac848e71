"""SIGTERM and SIGINT quit the window at once, in every state, with no polling timer.

Python runs a signal handler only when the main thread executes bytecode; a Qt window waiting
for events runs none, so a plain ``signal.signal`` handler waits for the next click (a logout
would end in SIGKILL mid-jam). The documented remedy (Python's ``signal.set_wakeup_fd``:
"the signal number is written as a single byte into the fd") is a socket pair: the C-level
handler writes the signal's number to one end, a :class:`QSocketNotifier` on the other wakes
Qt's loop, and its slot (Python code) quits the application. Idle, nothing runs at all.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier

log = logging.getLogger(__name__)

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class QuitOnSignal(QObject):
    """While alive, SIGTERM and SIGINT call ``quit`` from Qt's event loop (once per signal).

    ``close()`` puts back the previous wake-up fd and handlers. Must be made on the main
    thread (Python's rule for ``signal.signal`` and ``set_wakeup_fd``).
    """

    def __init__(self, quit: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._quit = quit
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        # A Python-level handler must exist for the C handler to run and write the byte; the
        # work itself happens in the notifier's slot.
        self._previous = {sig: signal.signal(sig, lambda *_: None) for sig in QUIT_SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wake)

    def _on_wake(self) -> None:
        try:
            data = self._reader.recv(64)
        except BlockingIOError:
            return
        names = [signal.Signals(b).name for b in data if b in {int(s) for s in QUIT_SIGNALS}]
        if names:
            log.info("quitting on %s", names[0])
            self._quit()

    def close(self) -> None:
        """Stop listening: the previous handlers and wake-up fd are back."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            with contextlib.suppress(TypeError, ValueError):
                signal.signal(sig, handler)
        self._reader.close()
        self._writer.close()
