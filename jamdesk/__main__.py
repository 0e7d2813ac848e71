"""``python -m jamdesk``: the same as the ``jamdesk`` command."""

from jamdesk.cli import main

raise SystemExit(main())
