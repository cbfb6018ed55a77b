"""What the benchmark measured, as dataclasses; their JSON form is docs/benchmarks.json."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field

BUILD_METRICS = ("cold_build_s", "nochange_build_s", "source_build_s", "dependency_build_s")
SERVICE_METRICS = ("image_mb", "first_200_s", "rps", "errors")


@dataclass
class ServiceRun:
    """One service of one run: its image, how fast it answered, and under load."""

    image_mb: float
    first_200_s: float
    rps: float
    requests: int
    errors: int


@dataclass
class Run:
    """One repetition for one subject: build times, `down` time, and each service."""

    services: dict[str, ServiceRun] = field(default_factory=dict)
    cold_build_s: float = 0.0
    nochange_build_s: float = 0.0
    source_build_s: float = 0.0
    down_s: float = 0.0
    dependency_build_s: float = 0.0
    # Compose Watch: a saved code change to its first answer (levels only)
    watch_s: float | None = None

    def flat(self) -> dict[str, float]:
        """Every figure by metric name; a service's as "<service>.<metric>"."""
        flat = {k: v for k, v in asdict(self).items() if k != "services" and v is not None}
        for service, values in self.services.items():
            for key in SERVICE_METRICS:
                flat[f"{service}.{key}"] = getattr(values, key)
        return flat

    @classmethod
    def from_json(cls, data: dict) -> Run:
        services = {name: ServiceRun(**values) for name, values in data["services"].items()}
        return cls(services, **{k: v for k, v in data.items() if k != "services"})


@dataclass
class SubjectResult:
    """Every run of one subject: a level, or a reference Dockerfile."""

    name: str
    kind: str  # "level" or "reference"
    description: str
    services: list[str]
    runs: list[Run]

    @property
    def median(self) -> dict[str, float]:
        flats = [run.flat() for run in self.runs]
        return {k: statistics.median(f[k] for f in flats) for k in flats[0]}

    @property
    def spread(self) -> dict[str, list[float]]:
        """[min, max] of every figure."""
        flats = [run.flat() for run in self.runs]
        return {k: [min(f[k] for f in flats), max(f[k] for f in flats)] for k in flats[0]}

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "services": self.services,
            "median": self.median,
            "spread": self.spread,
            "runs": [asdict(run) for run in self.runs],
        }

    @classmethod
    def from_json(cls, data: dict) -> SubjectResult:
        runs = [Run.from_json(run) for run in data["runs"]]
        return cls(data["name"], data["kind"], data["description"], data["services"], runs)


@dataclass
class Machine:
    cores: int
    memory_gib: float
    platform: str
    docker_engine: str
    compose: str


@dataclass
class BaseImage:
    # A local stand-in's Debian suite and how its Python was made; None: the official image
    stand_in: str | None


@dataclass
class Settings:
    python: str
    repetitions: int
    smoke: bool
    load_seconds: float
    concurrency: int
    cold: str  # how a cold build was made cold
    # `up`-to-first-answer and `down` are medians of this many cycles per run
    start_stop_cycles: int = 1
    # those cycles start and stop every subject in turn, after the builds (False: each
    # subject's own cycles, right after its own builds, as results before 2026-12-06)
    start_stop_interleaved: bool = False
    # each repetition measures the subjects in an order shuffled with this seed
    # (None: the order they were listed in)
    order_seed: int | None = None


@dataclass
class Result:
    """One benchmark run, as published."""

    generated: str  # ISO 8601, UTC
    machine: Machine
    base_images: dict[str, BaseImage]
    settings: Settings
    subjects: list[SubjectResult]

    def medians(self) -> dict[str, dict[str, float]]:
        return {subject.name: subject.median for subject in self.subjects}

    def to_json(self) -> str:
        data = {
            "generated": self.generated,
            "machine": asdict(self.machine),
            "base_images": {tag: asdict(image) for tag, image in self.base_images.items()},
            "settings": asdict(self.settings),
            "subjects": [subject.to_json() for subject in self.subjects],
        }
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Result:
        """Read docs/benchmarks.json; medians and comparisons are derived again, not read."""
        data = json.loads(text)
        return cls(
            generated=data["generated"],
            machine=Machine(**data["machine"]),
            base_images={tag: BaseImage(**info) for tag, info in data["base_images"].items()},
            settings=Settings(**data["settings"]),
            subjects=[SubjectResult.from_json(subject) for subject in data["subjects"]],
        )
