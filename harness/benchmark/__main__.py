import sys

from harness.benchmark.cli import main

sys.exit(main())
