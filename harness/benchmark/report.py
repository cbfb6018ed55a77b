"""Publishing a Result: comparisons, docs/benchmarks.md, the chart and the README block.

The comparisons are data: HEADLINES are reported as ratios, CLAIMS (what a
level promises over another) also carry the ratio that keeps the promise, and
the verdicts are rendered in docs/benchmarks.md only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.benchmark.model import BUILD_METRICS, SERVICE_METRICS, Result, Settings

BETTER = 0.98  # "faster" or "smaller" than another level: by at least 2 %, beyond noise


@dataclass(frozen=True)
class Comparison:
    """`subject`'s median of `metric` divided by `baseline`'s.

    at_most: the ratio the subject promises to stay within (a claim);
    None for a headline, which is only reported.
    """

    subject: str
    baseline: str
    metric: str
    words: str
    at_most: float | None = None


@dataclass(frozen=True)
class Verdict:
    comparison: Comparison
    ours: float
    theirs: float
    # [min, max] over the runs of each side, where both are known
    our_spread: tuple[float, float] | None = None
    their_spread: tuple[float, float] | None = None
    against: str = ""  # the row compared with: the baseline, or the best of every other row

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs if self.theirs else float("inf")

    @property
    def holds(self) -> bool:
        return self.comparison.at_most is None or self.ratio <= self.comparison.at_most

    @property
    def within_spread(self) -> bool:
        """The two sides' run-to-run ranges overlap: a miss that one more run could undo."""
        if self.our_spread is None or self.their_spread is None:
            return False
        return (
            self.our_spread[0] <= self.their_spread[1]
            and self.their_spread[0] <= self.our_spread[1]
        )


HARDENED, FINAL = "production-hardened", "final-result"
EVERY_OTHER = "every other row"
HEADLINES = [
    Comparison(HARDENED, FINAL, "source_build_s", "code-change rebuild"),
    Comparison(HARDENED, FINAL, "server.image_mb", "image size"),
    Comparison(HARDENED, FINAL, "cold_build_s", "cold build"),
    Comparison(HARDENED, "docker-init", "source_build_s", "code-change rebuild"),
    Comparison(HARDENED, "uv-example", "source_build_s", "code-change rebuild"),
    Comparison("docker-init", HARDENED, "down_s", "`docker compose down` (shell-form CMD)"),
    Comparison(FINAL, "step-2-kiss-poetry", "source_build_s", "code-change rebuild"),
    Comparison(FINAL, "step-1-kiss-requirements", "server.image_mb", "image size"),
]
# What the series (or our own targets) say a level improves over another
STEP3, STEP4 = "step-3-basic-improvements", "step-4-nontrivial-improvements"
STEP5, EXTRA1 = "step-5-larger-project", "extra-1-need-for-speed"
CLAIMS = [
    Comparison(STEP3, "step-2-kiss-poetry", "source_build_s",
               "a code-only change rebuilds faster than step 2", BETTER),
    Comparison(STEP4, STEP3, "cold_build_s",
               "builds are faster than step 3 (stage separation)", BETTER),
    Comparison(STEP4, STEP3, "server.image_mb", "the image is leaner than step 3's", BETTER),
    Comparison(STEP5, STEP4, "server.image_mb",
               "the allow-list keeps tests and stray files out: no larger an image than "
               "step 4's", 1.0),
    # Extra 1 is step 5's build with cache mounts (step 6's compiled dependency is not
    # carried over), so step 5 is the build it is measured against
    Comparison(EXTRA1, STEP5, "source_build_s",
               "cache mounts make a code-change rebuild faster than step 5's", BETTER),
    Comparison(EXTRA1, STEP5, "dependency_build_s",
               "cache mounts make a dependency-change rebuild faster than step 5's", BETTER),
    Comparison("extra-2-moving-complexity", EXTRA1, "cold_build_s",
               "one stage, no Poetry: builds faster than extra 1", BETTER),
    Comparison(HARDENED, FINAL, "source_build_s", "a code-change rebuild takes at most 0.3x", 0.3),
    Comparison(HARDENED, FINAL, "server.image_mb", "the image is at most 0.35x the size", 0.35),
    Comparison(HARDENED, FINAL, "cold_build_s", "a cold build takes at most as long", 1.0),
    Comparison(HARDENED, "docker-init", "source_build_s",
               "a code-change rebuild at most 1.5x", 1.5),
    Comparison(HARDENED, "uv-example", "dependency_build_s",
               "a dependency-change rebuild at most 1.2x", 1.2),
    # EVERY_OTHER: the best of every other row, references included
    Comparison(HARDENED, EVERY_OTHER, "server.image_mb", "the smallest image", 1.0),
    Comparison(HARDENED, EVERY_OTHER, "server.first_200_s", "the quickest first answer", 1.0),
    Comparison(HARDENED, EVERY_OTHER, "down_s", "the quickest `down`", 1.0),
]  # fmt: skip
# Absolute targets: (subject, metric, words, at most this many units)
TARGETS = [
    (HARDENED, "watch_s", "Compose Watch: a saved code change answers within", 3.0),
]

LABELS = {
    "watch_s": "Compose Watch: save to new answer (s)",
    "cold_build_s": "cold build (s)",
    "nochange_build_s": "no-change rebuild (s)",
    "source_build_s": "code-change rebuild (s)",
    "dependency_build_s": "dependency-change rebuild (s)",
    "image_mb": "image (MB)",
    "first_200_s": "up to first 200 (s)",
    "down_s": "down (s)",
    "rps": "GET / (req/s)",
    "errors": "errors",
}
COLUMNS = [*BUILD_METRICS, "image_mb", "first_200_s", "down_s", "watch_s", "rps", "errors"]
README_START, README_END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"


def verdicts(result: Result, comparisons: list[Comparison]) -> list[Verdict]:
    """Each comparison whose two subjects were both measured."""
    medians = result.medians()
    spreads = {subject.name: subject.spread for subject in result.subjects}
    found = []
    for c in comparisons:
        if c.metric not in medians.get(c.subject, {}):
            continue
        baseline = c.baseline
        if baseline == EVERY_OTHER:  # the other row with the best median
            others = [n for n, m in medians.items() if n != c.subject and c.metric in m]
            if not others:
                continue
            baseline = min(others, key=lambda n: medians[n][c.metric])
        elif c.metric not in medians.get(baseline, {}):
            continue
        found.append(
            Verdict(
                c, medians[c.subject][c.metric], medians[baseline][c.metric],
                tuple(spreads[c.subject][c.metric]), tuple(spreads[baseline][c.metric]),
                baseline,
            )
        )  # fmt: skip
    return found


def unit(metric: str) -> str:
    return "MB" if metric.endswith("image_mb") else "req/s" if metric.endswith("rps") else "s"


def fmt(value: float, metric: str) -> str:
    if metric.endswith(("rps", "image_mb", "errors")):
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


@dataclass
class Row:
    """One subject's service: {metric: (median, low, high)}."""

    label: str
    kind: str
    subject: str
    cells: dict[str, tuple[float, float, float]]


def rows(result: Result) -> Iterator[Row]:
    """One row per subject and service."""
    for subject in result.subjects:
        median, spread = subject.median, subject.spread
        for service in subject.services:
            label = subject.name if service == "server" else f"{subject.name} ({service})"
            run_metrics = (*BUILD_METRICS, "down_s", "watch_s")
            cells = {m: (median[m], *spread[m]) for m in run_metrics if m in median}
            for metric in SERVICE_METRICS:
                key = f"{service}.{metric}"
                cells[metric] = (median[key], *spread[key])
            yield Row(label, subject.kind, subject.name, cells)


def base_images_note(result: Result) -> str:
    return "; ".join(
        f"`{tag}`: "
        + (f"local stand-in from Debian {image.stand_in}" if image.stand_in else "official")
        for tag, image in result.base_images.items()
    )


def headline_lines(result: Result) -> list[str]:
    return [
        f"`{v.comparison.subject}` vs `{v.comparison.baseline}`, {v.comparison.words}: "
        f"{v.ratio:.2f}x"
        for v in verdicts(result, HEADLINES)
    ]


def target_lines(result: Result) -> list[str]:
    """Each absolute target whose subject was measured."""
    medians, lines = result.medians(), []
    for subject, metric, words, at_most in TARGETS:
        if metric in medians.get(subject, {}):
            value = medians[subject][metric]
            mark = "holds" if value <= at_most else "**does not hold**"
            lines.append(f"- `{subject}`: {words} {fmt(at_most, metric)} {unit(metric)}: "
                         f"{mark}, {fmt(value, metric)} {unit(metric)}")  # fmt: skip
    return lines


def claim_lines(result: Result) -> list[str]:
    lines = target_lines(result)
    for v in verdicts(result, CLAIMS):
        c, u = v.comparison, unit(v.comparison.metric)
        mark = "holds" if v.holds else "**does not hold**"
        if not v.holds and v.within_spread:
            (low, high), (their_low, their_high) = v.our_spread, v.their_spread
            mark += (
                f" (within the run-to-run spread: {fmt(low, c.metric)}-{fmt(high, c.metric)}"
                f" vs {fmt(their_low, c.metric)}-{fmt(their_high, c.metric)} {u})"
            )
        versus = f"`{c.baseline}`" if v.against == c.baseline else f"{c.baseline}: `{v.against}`"
        lines.append(
            f"- `{c.subject}`: {c.words} (vs {versus}): {mark}, "
            f"{fmt(v.ours, c.metric)} {u} vs {fmt(v.theirs, c.metric)} {u} ({v.ratio:.2f}x)"
        )
    return lines


def table_row(row: Row) -> str:
    name = f"{row.label} *(reference)*" if row.kind == "reference" else f"`{row.label}`"
    values = []
    for c in COLUMNS:
        if c not in row.cells:
            values.append("n/a")  # not measured for this row (Compose Watch: levels only)
            continue
        median, low, high = row.cells[c]
        if row.label != row.subject and c in BUILD_METRICS:
            values.append("same build")  # one `docker compose build` builds every service
            continue
        values.append(f"{fmt(median, c)}<br><sub>{fmt(low, c)}-{fmt(high, c)}</sub>")
    return f"| {name} | " + " | ".join(values) + " |"


def start_stop_note(settings: Settings) -> str:
    if settings.start_stop_interleaved:
        cycles = settings.start_stop_cycles
        return (
            "; `up` to the first 200 and `down` are measured once every build is, with "
            "every subject started and stopped in turn, in a new order each cycle, "
            f"and each run gets the median{'s' if cycles > 1 else ''} of its own "
            f"{cycles} cycle{'s' if cycles > 1 else ''}"
        )
    if settings.start_stop_cycles == 1:
        return ""
    return (
        f"; in each run, `up` to the first 200 and `down` are the medians of "
        f"{settings.start_stop_cycles} cycles"
    )


SMOKE_NOTE = (
    "**A smoke run**: it shows that the benchmark works, not how fast anything is. "
    "One run, short load, and rebuilds that may reuse layers other builds left in the "
    "build cache."
)


def runs_note(settings: Settings) -> str:
    if settings.repetitions == 1:
        return "One run"
    return f"Medians of {settings.repetitions} runs, with min-max below each"


def markdown(result: Result) -> str:
    """docs/benchmarks.md: the table, the headline ratios and every claim's verdict."""
    s, m = result.settings, result.machine
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `benchmark/benchmark.py` on {result.generated[:10]}: "
        f"{m.cores} cores, {m.memory_gib:.0f} GiB, Docker Engine {m.docker_engine}, "
        f"Python {s.python} base images ({base_images_note(result)}). "
        f"{runs_note(s)}{start_stop_note(s)}. "
        f"Throughput: GET / for {s.load_seconds} s at {s.concurrency} concurrent "
        "connections from loopback, the default two sync Gunicorn workers. Builds use BuildKit "
        f"through `docker compose build`; cold builds: `{s.cold}`.",
        "",
        "Rows marked *reference* are not levels of this template: Dockerfiles for the same "
        "project in the layouts people commonly use (`benchmark/references/`).",
        "",
        "| | " + " | ".join(LABELS[c] for c in COLUMNS) + " |",
        "| --- | " + " | ".join("---:" for _ in COLUMNS) + " |",
        *(table_row(row) for row in rows(result)),
    ]
    if s.smoke:
        lines[2:2] = [SMOKE_NOTE, ""]
    if headlines := headline_lines(result):
        lines += ["", "## Headline ratios", "", *(f"- {line}" for line in headlines)]
    if claims := claim_lines(result):
        lines += ["", "## Claims checked", "", *claims]
    return "\n".join(lines) + "\n"


def readme_block(result: Result) -> str:
    """The top-level README's measured block: the chart, the machine, the headline ratios."""
    m, s = result.machine, result.settings
    lines = [
        README_START,
        "![Cold build, code-change rebuild, image size and throughput of every level]"
        "(docs/benchmarks.png)",
        "",
        f"Measured on {m.cores} cores and {m.memory_gib:.0f} GiB with Docker "
        f"Engine {m.docker_engine}, Python {s.python} base images "
        f"({base_images_note(result)}), medians of {s.repetitions} runs, "
        f"{result.generated[:10]}. Every figure, with its spread, and whether each level "
        "keeps its promises, is in [docs/benchmarks.md](docs/benchmarks.md); the raw runs "
        "are in `docs/benchmarks.json`.",
        "",
        *(f"- {line}" for line in headline_lines(result)),
        README_END,
    ]
    return "\n".join(lines)


def update_readme(result: Result, readme: Path) -> None:
    """Rewrite the block between the benchmark markers of the top-level README."""
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        raise RuntimeError(f"{readme} has no {README_START} ... {README_END} block")
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    readme.write_text(text[:start] + readme_block(result) + text[end:])


def write_chart(result: Result, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = list(rows(result))
    panels = [
        ("cold_build_s", "Cold build (s)"),
        ("source_build_s", "Rebuild after a code change (s)"),
        ("image_mb", "Image size (MB)"),
        ("rps", "Throughput, GET / (req/s)"),
    ]
    labels = [r.label + (" (ref.)" if r.kind == "reference" else "") for r in data]
    colors = [
        "#2a9d48" if r.label.startswith(HARDENED)
        else "#888888" if r.kind == "reference" else "#1f6fb4"
        for r in data
    ]  # fmt: skip
    fig, axes = plt.subplots(1, len(panels), figsize=(18, 0.42 * len(data) + 1.6), sharey=True)
    for ax, (metric, title) in zip(axes, panels, strict=True):
        medians = [r.cells[metric][0] for r in data]
        low = [m - r.cells[metric][1] for m, r in zip(medians, data, strict=True)]
        high = [r.cells[metric][2] - m for m, r in zip(medians, data, strict=True)]
        ax.barh(range(len(data)), medians, xerr=[low, high], color=colors, capsize=2)
        ax.set_title(title, fontsize=11)
        ax.grid(axis="x", alpha=0.3)
        for y, (m, r) in enumerate(zip(medians, data, strict=True)):
            ax.text(r.cells[metric][2], y, f" {fmt(m, metric)}", va="center", fontsize=8)
    axes[0].set_yticks(range(len(data)), labels, fontsize=9)
    axes[0].invert_yaxis()
    fig.suptitle(
        f"Every level of pydocker-template, medians of {result.settings.repetitions} runs "
        f"({result.machine.cores} cores; green: production-hardened, grey: references)",
        fontsize=12,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
