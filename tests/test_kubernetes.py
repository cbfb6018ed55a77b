"""Fast tier: every level's deploy/kubernetes/ base renders, validates and fits its image.

The manifests are checked offline, never applied: kustomize (built into kubectl)
renders them, the Kubernetes API schemas that kubernetes-validate bundles and
checkov's Kubernetes checks judge the result, and the Deployment is compared
with what the baked Dockerfile and gunicorn.conf.py say.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
import yaml
from kubernetes_validate.utils import all_versions, major_minor
from kubernetes_validate.utils import validate as validate_against_schema
from packaging.version import Version

from harness.baking import pages_text, served_paths
from harness.dockerfiles import parse
from harness.matrix import LEVELS, Answers, every_level, for_answers
from harness.process import run
from harness.tools import BIN, CHECKOV

DEPLOY = Path("deploy") / "kubernetes"
KINDS = {
    "Namespace",
    "Deployment",
    "Service",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
}
# What checkov may report as skipped, and why: a digest exists only after a
# release; images without a USER run as root.
SKIPPABLE_EVERYWHERE = {"CKV_K8S_43"}
SKIPPABLE_AS_ROOT = {"CKV_K8S_23", "CKV_K8S_40"}


def newest_kubernetes_minors(count: int = 3) -> list[str]:
    """The `count` newest minor versions whose schemas kubernetes-validate ships."""
    minors = sorted({major_minor(v) for v in all_versions()}, key=Version)
    return minors[-count:]


KUBERNETES_VERSIONS = newest_kubernetes_minors()


EVERY_LEVEL = for_answers(every_level())


@cache
def render(folder: Path) -> tuple[dict, ...]:
    """What `kubectl apply -k` would send: the base rendered by kustomize."""
    proc = run([BIN / "kubectl", "kustomize", folder], timeout=120)
    return tuple(doc for doc in yaml.safe_load_all(proc.stdout) if doc)


def rendered(project) -> dict[str, dict]:
    """The rendered resources by kind (the base has one of each)."""
    resources = render(project.path / DEPLOY)
    by_kind = {doc["kind"]: doc for doc in resources}
    assert len(by_kind) == len(resources), "one resource of each kind expected"
    return by_kind


def container(project) -> dict:
    (only,) = rendered(project)["Deployment"]["spec"]["template"]["spec"]["containers"]
    return only


def pod_spec(project) -> dict:
    return rendered(project)["Deployment"]["spec"]["template"]["spec"]


def instruction(project, keyword: str) -> str | None:
    """The value of the final stage's last `keyword` instruction in the baked Dockerfile."""
    values = parse(project.path / "Dockerfile").final.all(keyword)
    return values[-1].value if values else None


def gunicorn_settings(project, env: dict[str, str]) -> dict:
    """gunicorn.conf.py evaluated with exactly the environment the pod gives it."""
    script = (
        "import json, runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(json.dumps({k: c[k] for k in ('bind', 'workers', 'timeout', 'graceful_timeout')}))"
    )
    proc = run([sys.executable, "-c", script], cwd=project.path, env=env, timeout=60)
    return json.loads(proc.stdout)


def pod_environment(project) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container(project).get("env", [])}


def cpu_cores(quantity: str) -> float:
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


@EVERY_LEVEL
def test_kustomization_lists_every_manifest_in_the_folder(project):
    folder = project.path / DEPLOY
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    on_disk = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(on_disk)


@EVERY_LEVEL
def test_base_renders_one_of_each_resource_in_the_project_namespace(project):
    resources = rendered(project)
    slug = project.path.name
    assert set(resources) == KINDS
    assert resources["Namespace"]["metadata"]["name"] == slug
    for kind, resource in resources.items():
        if kind != "Namespace":
            assert resource["metadata"]["namespace"] == slug, kind


@EVERY_LEVEL
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_rendered_resources_validate_against_the_kubernetes_schemas(project, version):
    for resource in render(project.path / DEPLOY):
        validate_against_schema(resource, version, strict=True)


def checkov_report(project, tmp_path) -> dict:
    assert CHECKOV.exists(), "checkov is missing: run `bash scripts/dev-env`"
    (tmp_path / "rendered.yaml").write_text(yaml.safe_dump_all(render(project.path / DEPLOY)))
    checks = ["--framework", "kubernetes", "--skip-download", "--compact", "-o", "json"]
    proc = run([CHECKOV, "-d", tmp_path, *checks], timeout=300, check=False)
    assert proc.stdout.lstrip().startswith("{"), f"checkov said:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout)


@EVERY_LEVEL
def test_checkov_finds_nothing_that_is_not_skipped_with_a_reason(project, tmp_path):
    report = checkov_report(project, tmp_path)
    results = report["results"]
    assert report["summary"]["passed"] > 0 and not results["parsing_errors"]
    failed = [
        f"{c['check_id']} {c['check_name']} ({c['resource']})" for c in results["failed_checks"]
    ]
    assert not failed
    skipped = {
        c["check_id"]: c["check_result"]["suppress_comment"] for c in results["skipped_checks"]
    }
    allowed = SKIPPABLE_EVERYWHERE | (set() if project.facts["user_id"] else SKIPPABLE_AS_ROOT)
    assert set(skipped) <= allowed
    assert all(len(reason.split()) >= 5 for reason in skipped.values()), skipped


@EVERY_LEVEL
def test_image_is_named_once_in_the_kustomization(project):
    slug = project.path.name
    folder = project.path / DEPLOY
    deployment = yaml.safe_load((folder / "deployment.yaml").read_text())
    (written,) = deployment["spec"]["template"]["spec"]["containers"]
    assert written["image"] == slug
    (entry,) = yaml.safe_load((folder / "kustomization.yaml").read_text())["images"]
    assert entry["name"] == slug and entry["newName"] == f"ghcr.io/OWNER/{slug}"
    assert container(project)["image"] == f"ghcr.io/OWNER/{slug}:{entry['newTag']}"
    mentions = [p.name for p in folder.glob("*.yaml") if "ghcr.io" in p.read_text()]
    assert mentions == ["kustomization.yaml"]


@EVERY_LEVEL
def test_kustomization_starts_at_the_projects_version(project):
    (entry,) = yaml.safe_load((project.path / DEPLOY / "kustomization.yaml").read_text())["images"]
    pyproject = tomllib.loads((project.path / "pyproject.toml").read_text())
    assert entry["newTag"] == pyproject["project"]["version"]


@EVERY_LEVEL
def test_rolling_update_never_removes_a_ready_pod_first(project):
    strategy = rendered(project)["Deployment"]["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0
    assert strategy["rollingUpdate"]["maxSurge"] >= 1


@EVERY_LEVEL
def test_two_replicas_at_least_and_the_autoscaler_owns_the_count(project):
    resources = rendered(project)
    autoscaler = resources["HorizontalPodAutoscaler"]["spec"]
    assert autoscaler["minReplicas"] == 2 and autoscaler["maxReplicas"] > 2
    assert autoscaler["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": resources["Deployment"]["metadata"]["name"],
    }
    # A replicas field would reset the autoscaler's choice on every apply
    assert "replicas" not in resources["Deployment"]["spec"]


@EVERY_LEVEL
def test_service_budget_and_policy_select_the_deployments_pods(project):
    resources = rendered(project)
    pod_labels = resources["Deployment"]["spec"]["template"]["metadata"]["labels"]
    selectors = {
        "Deployment": resources["Deployment"]["spec"]["selector"]["matchLabels"],
        "Service": resources["Service"]["spec"]["selector"],
        "PodDisruptionBudget": resources["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"],
        "NetworkPolicy": resources["NetworkPolicy"]["spec"]["podSelector"]["matchLabels"],
    }
    for spread in pod_spec(project)["topologySpreadConstraints"]:
        selectors[f"spread over {spread['topologyKey']}"] = spread["labelSelector"]["matchLabels"]
    for kind, selector in selectors.items():
        assert selector and selector.items() <= pod_labels.items(), kind
    assert resources["PodDisruptionBudget"]["spec"]["maxUnavailable"] == 1


@EVERY_LEVEL
def test_pods_prefer_other_nodes_and_zones_yet_fit_on_one_node(project):
    spreads = {s["topologyKey"]: s for s in pod_spec(project)["topologySpreadConstraints"]}
    assert spreads.keys() == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    for key, spread in spreads.items():
        assert spread["maxSkew"] == 1, key
        # DoNotSchedule would leave the second pod pending on a one-node cluster
        assert spread["whenUnsatisfiable"] == "ScheduleAnyway", key
        # a rollout's new pods spread among themselves, not against the old ones
        assert spread["matchLabelKeys"] == ["pod-template-hash"], key


@EVERY_LEVEL
def test_service_and_network_policy_use_the_containers_http_port(project):
    resources = rendered(project)
    named = {port["name"] for port in container(project)["ports"]}
    assert [p["targetPort"] for p in resources["Service"]["spec"]["ports"]] == ["http"]
    (rule,) = resources["NetworkPolicy"]["spec"]["ingress"]
    assert [p["port"] for p in rule["ports"]] == ["http"] and "http" in named


@EVERY_LEVEL
def test_network_policy_admits_the_http_port_alone_and_leaves_outgoing_traffic_open(project):
    policy = rendered(project)["NetworkPolicy"]["spec"]
    # Ingress alone: listing Egress with no egress rules would cut DNS and every call out
    assert policy["policyTypes"] == ["Ingress"] and "egress" not in policy
    # from any source, as the README says, on the HTTP port over TCP alone
    assert policy["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]


@EVERY_LEVEL
def test_startup_readiness_and_liveness_probes_call_the_health_endpoint(project):
    probes = {name: container(project).get(name) for name in ("startupProbe", "readinessProbe")}
    probes["livenessProbe"] = container(project).get("livenessProbe")
    for name, probe in probes.items():
        assert probe, f"no {name}"
        assert probe["httpGet"]["port"] == "http", name
        assert probe["httpGet"]["path"] == "/health", name


@EVERY_LEVEL
def test_pod_is_locked_down_as_far_as_the_image_allows(project):
    security = container(project)["securityContext"]
    assert security.get("allowPrivilegeEscalation") is False, security
    assert security.get("privileged") is False, security
    assert security.get("readOnlyRootFilesystem") is True, security
    assert security.get("capabilities") == {"drop": ["ALL"]}, security
    spec = pod_spec(project)
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False


def volumes_by_mount_path(project) -> dict[str, tuple[dict, dict]]:
    """Each of the container's mounts with the pod volume it names."""
    volumes = {volume["name"]: volume for volume in pod_spec(project)["volumes"]}
    mounts = container(project)["volumeMounts"]
    assert len(volumes) == len(mounts), "every volume mounted once"
    return {m["mountPath"]: (m, volumes[m["name"]]) for m in mounts}


@EVERY_LEVEL
def test_tmp_is_the_only_writable_volume_and_lives_in_memory(project):
    mounts = volumes_by_mount_path(project)
    writable = [path for path, (mount, _) in mounts.items() if not mount.get("readOnly")]
    assert writable == ["/tmp"]
    memory = mounts["/tmp"][1]["emptyDir"]
    assert memory["medium"] == "Memory" and memory["sizeLimit"]


@EVERY_LEVEL
def test_the_services_secret_is_mounted_read_only_where_the_app_reads_secrets(project):
    main = next(project.path.rglob("main.py")).read_text()
    assert re.search(r"""os\.environ\.get\("SECRETS_DIR"[,)]""", main)
    folder = pod_environment(project)["SECRETS_DIR"]
    # A folder of its own: the kubelet mounts service-account tokens under /run/secrets
    assert folder.startswith("/run/secrets/")
    mount, volume = volumes_by_mount_path(project)[folder]
    assert mount["readOnly"] is True
    name = rendered(project)["Deployment"]["metadata"]["name"]
    assert volume["secret"] == {"secretName": name, "optional": True}
    # and no secret reaches the container as a variable
    assert all("valueFrom" not in item for item in container(project).get("env", []))
    assert "envFrom" not in container(project)


@EVERY_LEVEL
def test_workers_are_sized_to_the_cpu_limit(project):
    resources = container(project)["resources"]
    assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    workers = gunicorn_settings(project, pod_environment(project))["workers"]
    assert workers == 2 * cpu_cores(resources["limits"]["cpu"])
    assert cpu_cores(resources["requests"]["cpu"]) <= cpu_cores(resources["limits"]["cpu"])


MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}


def memory_bytes(quantity: str) -> int:
    for unit, size in MEMORY_UNITS.items():
        if quantity.endswith(unit):
            return int(quantity.removesuffix(unit)) * size
    return int(quantity)


@EVERY_LEVEL
def test_the_container_requests_no_more_memory_than_its_limit(project):
    """The API server refuses a container whose request is above its limit."""
    resources = container(project)["resources"]
    requested, limit = resources["requests"]["memory"], resources["limits"]["memory"]
    assert memory_bytes(requested) <= memory_bytes(limit), (requested, limit)


# The Deployment against the image: what the Dockerfile and gunicorn.conf.py say


@EVERY_LEVEL
def test_pod_runs_as_the_images_user(project):
    user = instruction(project, "USER")
    context = pod_spec(project)["securityContext"]
    if user is None:  # the image runs as root
        assert "runAsNonRoot" not in context and "runAsUser" not in context
        assert not project.facts["user_id"]
        return
    uid, _, gid = user.partition(":")
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] == int(uid) == project.facts["user_id"]
    assert context["runAsGroup"] == int(gid or uid)


@EVERY_LEVEL
def test_a_root_image_says_so_in_the_deployment(project):
    text = (project.path / DEPLOY / "deployment.yaml").read_text()
    namespace = rendered(project)["Namespace"]["metadata"]["labels"]
    enforced = namespace["pod-security.kubernetes.io/enforce"]
    if instruction(project, "USER") is None:
        assert re.search(r"^# The image runs as root", text, re.M)
        assert enforced == "baseline"
    else:
        assert "runs as root" not in text
        assert enforced == "restricted"


@EVERY_LEVEL
def test_manifests_describe_the_image_without_naming_levels(project):
    for path in sorted((project.path / DEPLOY).glob("*.yaml")):
        text = path.read_text()
        assert not re.search(r"\blevels?\b", text, re.I), path.name
        assert not [level for level in LEVELS if level in text], path.name


@EVERY_LEVEL
def test_container_port_is_the_one_gunicorn_binds(project):
    bind = gunicorn_settings(project, pod_environment(project))["bind"]
    (port,) = container(project)["ports"]
    assert port["containerPort"] == int(bind.rsplit(":", 1)[1])
    exposed = instruction(project, "EXPOSE")
    if exposed is not None:
        assert exposed.split() == [str(port["containerPort"])]


@EVERY_LEVEL
def test_probes_call_the_path_the_image_checks_and_the_app_serves(project):
    path = container(project)["readinessProbe"]["httpGet"]["path"]
    assert path in served_paths(project.path)
    healthcheck = instruction(project, "HEALTHCHECK")
    if healthcheck is not None:
        urls = re.findall(r"http://[^/\s'\"]+(/[^\s'\"]*)", healthcheck)
        assert urls == [path]


@EVERY_LEVEL
def test_probes_ask_for_the_host_the_image_checks_and_the_readme_says_to_trust(project):
    hosts = {
        tuple((h["name"], h["value"]) for h in container(project)[probe]["httpGet"]["httpHeaders"])
        for probe in ("startupProbe", "readinessProbe", "livenessProbe")
    }
    assert hosts == {(("Host", "localhost"),)}
    healthcheck = instruction(project, "HEALTHCHECK")
    if healthcheck is not None:
        assert "headers={'Host': 'localhost'}" in healthcheck
    readme = (project.path / "README.md").read_text()
    assert """FLASK_TRUSTED_HOSTS='["example.com", "localhost"]'""" in readme


@EVERY_LEVEL
def test_kubectl_commands_in_the_projects_pages_name_the_deployments_container(project):
    readme = pages_text(project.path)
    named = re.findall(r"kubectl [^`\n]*?(?:--target[= ]|--container[= ]|-c )([\w.-]+)", readme)
    assert set(named) <= {container(project)["name"]}
    if project.facts["runtime_files"]:  # no shell in the image: docs/docker.md shows kubectl debug
        assert named


@EVERY_LEVEL
def test_the_readmes_port_forward_reaches_the_services_port(project):
    readme = (project.path / "README.md").read_text()
    (forward,) = re.findall(r"kubectl [^`\n]*port-forward service/([\w.-]+) \d+:(\d+)", readme)
    service = rendered(project)["Service"]
    assert forward == (service["metadata"]["name"], str(service["spec"]["ports"][0]["port"]))


@EVERY_LEVEL
def test_kubectl_commands_in_the_readme_name_the_namespace_the_base_deploys_to(project):
    readme = (project.path / "README.md").read_text()
    commands = re.findall(r"kubectl [^`\n]*", readme)
    namespace = rendered(project)["Deployment"]["metadata"]["namespace"]
    # Those that read the base (-k, kustomize) get the namespace from it
    on_objects = [c for c in commands if " -k" not in c and "kustomize" not in c]
    assert on_objects
    assert [c for c in on_objects if f"--namespace {namespace} " not in c] == []


@EVERY_LEVEL
def test_liveness_gives_up_only_after_gunicorn_would_have_replaced_a_stuck_worker(project):
    probe = container(project)["livenessProbe"]
    window = probe["periodSeconds"] * probe["failureThreshold"]
    timeout = gunicorn_settings(project, pod_environment(project))["timeout"]
    assert window >= 2 * timeout and probe["timeoutSeconds"] >= 5


@EVERY_LEVEL
def test_grace_period_covers_the_prestop_pause_and_gunicorns_graceful_timeout(project):
    spec = pod_spec(project)
    graceful = gunicorn_settings(project, pod_environment(project))["graceful_timeout"]
    pause = container(project)["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert 0 < pause < graceful  # short: endpoints drain, then Gunicorn stops
    assert spec["terminationGracePeriodSeconds"] > pause + graceful


# The README part that the baked README includes for shipping to Kubernetes


def readme_fragment(project) -> str:
    """The baked README's Kubernetes section, up to the next second-level heading."""
    text = (project.path / "README.md").read_text(encoding="utf-8")
    start = text.index("### Kubernetes\n")
    return text[start : text.index("\n## ", start)]


@EVERY_LEVEL
def test_readme_shows_how_to_apply_and_ship_a_release(project):
    text = readme_fragment(project)
    assert "kubectl apply -k deploy/kubernetes" in text
    assert "kustomize edit set image hello-service=ghcr.io/<owner>/hello-service:" in text


@EVERY_LEVEL
def test_readme_releases_the_tag_the_base_deploys_before_the_first_apply(project):
    text = readme_fragment(project)
    (entry,) = yaml.safe_load((project.path / DEPLOY / "kustomization.yaml").read_text())["images"]
    release = f"git push origin v{entry['newTag']}"
    assert release in text
    assert text.index(release) < text.index("kubectl apply -k deploy/kubernetes")
    assert text.index("replace `OWNER`") < text.index("kubectl apply -k deploy/kubernetes")


@EVERY_LEVEL
def test_readme_check_command_fails_no_check_on_the_baked_base(project):
    command = "checkov --framework kustomize -d deploy/kubernetes"
    assert f"\n{command}\n" in readme_fragment(project)
    assert CHECKOV.exists(), "checkov is missing: run `bash scripts/dev-env`"
    # checkov renders the base with the kubectl next to this Python, as with the user's
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    args = [CHECKOV, *command.split()[1:], "--skip-download", "--compact", "-o", "json"]
    proc = run(args, cwd=project.path, env={**os.environ, "PATH": path}, timeout=300, check=False)
    summary = json.loads(proc.stdout)["summary"]
    assert summary["failed"] == 0 and summary["parsing_errors"] == 0, proc.stdout
    assert summary["passed"] > 0


@EVERY_LEVEL
def test_readme_says_whether_the_pod_runs_as_root(project):
    text = readme_fragment(project)
    user_id = project.facts["user_id"]
    if user_id:
        assert f"UID {user_id}" in text and "runs as root" not in text
    else:
        assert "the image runs as root and the pod does too" in text


@for_answers([Answers("production-hardened")])
def test_readme_quotes_the_manifests_numbers(project):
    text = readme_fragment(project)
    resources = container(project)["resources"]
    pause = container(project)["lifecycle"]["preStop"]["sleep"]["seconds"]
    graceful = gunicorn_settings(project, pod_environment(project))["graceful_timeout"]
    assert f"{pause}-second `preStop` pause" in text
    assert f"`GUNICORN_GRACEFUL_TIMEOUT` ({graceful} s)" in text
    assert f"grace period, {pod_spec(project)['terminationGracePeriodSeconds']} s" in text
    assert f"`WEB_CONCURRENCY` is {pod_environment(project)['WEB_CONCURRENCY']}" in text
    assert f"{resources['limits']['memory'].removesuffix('Mi')} MiB" in text
    autoscaler = rendered(project)["HorizontalPodAutoscaler"]["spec"]
    assert f"over {autoscaler['metrics'][0]['resource']['target']['averageUtilization']}%" in text
