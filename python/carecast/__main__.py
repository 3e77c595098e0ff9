"""``python -m carecast``: the command line."""

from carecast.cli import main

raise SystemExit(main())
