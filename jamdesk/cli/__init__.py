"""The command line: ``jamdesk`` and its subcommands, one module each (``headless`` for
``host``/``join --headless``, ``lobby`` for ``rooms``/``lobby``, ``history``, ``stats``), the
options in ``parser``, and what they share in ``common``. ``main`` is the entry point."""

from jamdesk.cli.main import main

__all__ = ["main"]
