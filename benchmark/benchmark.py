#!/usr/bin/env python3
"""Entry point of the benchmark; the code is in harness/benchmark/ (see its cli.py).

.venv/bin/python benchmark/benchmark.py --help
"""

import sys

from harness.benchmark.cli import main

if __name__ == "__main__":
    sys.exit(main())
