"""``python -m alliance_metrics``: the command line (SPEC §5), as :mod:`alliance_metrics.cli`."""

import sys

from alliance_metrics.cli import main

sys.exit(main())
