"""The bundle's entry point (jamdesk.spec): the same as the ``jamdesk`` command."""

from jamdesk.cli import main

raise SystemExit(main())
