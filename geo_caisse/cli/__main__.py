"""``python -m geo_caisse.cli``: the same as the ``geo-caisse`` command."""

from geo_caisse.cli import main

raise SystemExit(main())
