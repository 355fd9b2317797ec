import sys

from alliance_metrics.cli import main

sys.exit(main())
