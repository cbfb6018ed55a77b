"""The benchmark: every level's image built, sized, started, stopped and loaded.

    prepare   the subjects (levels and references) baked, and their dependency change
    measure   one repetition of one subject on the Docker engine -> Run
    model     the results as dataclasses, and their JSON form (docs/benchmarks.json)
    report    comparisons (as data), docs/benchmarks.md, the chart, the README block
    cli       the command line: benchmark/benchmark.py

It needs the Docker engine and the test requirements (bash scripts/dev-env).
"""
