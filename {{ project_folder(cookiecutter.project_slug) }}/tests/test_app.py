{%- set level = cookiecutter | level -%}
import logging
import os

import pytest

from {{ cookiecutter.package_name }} import main
from {{ cookiecutter.package_name }}.main import create_app


@pytest.fixture(autouse=True)
def no_settings_of_this_machine(monkeypatch, tmp_path):
    """No test reads the settings or secrets of the machine it runs on."""
    for name in list(os.environ):
        if name.startswith("FLASK_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    empty = tmp_path / "no-secrets"
    empty.mkdir()
    monkeypatch.setenv("SECRETS_DIR", str(empty))


@pytest.fixture
def client():
    return create_app({"TESTING": True}).test_client()


def test_index_names_the_service_and_python(client):
    response = client.get("/")

    assert response.status_code == 200
    assert response.json["service"] == {{ cookiecutter.project_slug | py_str }}
    assert response.json["python"].count(".") == 2


def test_index_links_to_health_with_the_request_scheme(client):
    plain = client.get("/").json["health"]
    secure = client.get("/", base_url="https://example.com").json["health"]

    assert plain == "http://localhost/health"
    assert secure == "https://example.com/health"


def test_health_reports_ok(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json["status"] == "ok"
{%- if level.psycopg2 %}


def test_health_reports_the_loaded_libpq(client):
    major, minor = client.get("/health").json["libpq"].split(".")

    assert major.isdecimal() and minor.isdecimal()
    assert int(major) >= 10
{%- endif %}


def test_unknown_path_is_404(client):
    assert client.get("/no-such-page").status_code == 404


def test_settings_come_from_flask_prefixed_environment_variables(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("FLASK_MAX_CONTENT_LENGTH", "1024")

    config = create_app().config

    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["MAX_CONTENT_LENGTH"] == 1024


@pytest.mark.parametrize("given", ["example.com,localhost", "localhost", "[1, 2]"])
def test_trusted_hosts_that_are_not_a_json_list_of_names_are_named(monkeypatch, given):
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", given)

    with pytest.raises(ValueError, match="FLASK_TRUSTED_HOSTS=.*: use a JSON list"):
        create_app()


def test_a_size_limit_that_is_not_a_number_is_named(monkeypatch):
    monkeypatch.setenv("FLASK_MAX_CONTENT_LENGTH", "16MB")

    with pytest.raises(ValueError, match="FLASK_MAX_CONTENT_LENGTH='16MB': use a"):
        create_app()


def test_secret_files_win_over_the_environment(monkeypatch, tmp_path):
    (tmp_path / "FLASK_SECRET_KEY").write_text("from-a-file\n")
    (tmp_path / "FLASK_MAX_CONTENT_LENGTH").write_text("2048")
    (tmp_path / "FLASK_DATABASE__PASSWORD").write_text("nested")
    (tmp_path / "DATABASE_PASSWORD").write_text("not a Flask setting")
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))

    config = create_app().config

    assert config["SECRET_KEY"] == "from-a-file"
    assert config["MAX_CONTENT_LENGTH"] == 2048
    assert config["DATABASE"] == {"PASSWORD": "nested"}
    assert "DATABASE_PASSWORD" not in config and "PASSWORD" not in config


def test_secret_files_that_name_no_setting_are_skipped(monkeypatch, tmp_path, caplog):
    (tmp_path / "FLASK_SECRET_KEY").write_text("kept")
    (tmp_path / "FLASK_SECRET_KEY~").write_text("an editor's backup")
    (tmp_path / "FLASK_").write_text("no name")
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))

    config = create_app().config

    assert config["SECRET_KEY"] == "kept"
    assert "SECRET_KEY~" not in config and "" not in config
    assert "FLASK_SECRET_KEY~ skipped" in caplog.text


@pytest.mark.parametrize(
    "given, kind",
    [
        ("1234", "a number"),
        ("true", "true or false"),
        ("[1]", "a list"),
        ("null", "null"),
    ],
)
def test_a_secret_key_that_reads_as_json_is_named(monkeypatch, given, kind):
    monkeypatch.setenv("FLASK_SECRET_KEY", given)

    with pytest.raises(ValueError, match=f"FLASK_SECRET_KEY reads as JSON {kind},"):
        create_app()


@pytest.mark.parametrize("given", ["", "  "])
def test_an_empty_secret_key_stops_the_start(monkeypatch, given):
    monkeypatch.setenv("FLASK_SECRET_KEY", given)

    with pytest.raises(ValueError, match="FLASK_SECRET_KEY is empty"):
        create_app()


def test_an_empty_secret_key_file_stops_the_start(monkeypatch, tmp_path):
    (tmp_path / "FLASK_SECRET_KEY").write_text("\n")
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))

    with pytest.raises(ValueError, match="FLASK_SECRET_KEY is empty"):
        create_app()


def test_a_host_outside_the_trusted_hosts_is_refused_and_named_in_the_log(caplog):
    client = create_app({"TRUSTED_HOSTS": ["example.com"]}).test_client()

    with caplog.at_level(logging.WARNING):
        refused = client.get("/", headers={"Host": "elsewhere.example"})

    assert refused.status_code == 400
    assert "'elsewhere.example' is not trusted" in caplog.text
    assert client.get("/", headers={"Host": "example.com"}).status_code == 200


def test_a_refused_secret_key_is_not_shown(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "31415926535")

    with pytest.raises(ValueError) as refused:
        create_app()
    assert "31415926535" not in str(refused.value)


def test_secret_files_are_read_through_the_links_of_a_kubernetes_secret(
    monkeypatch, tmp_path
):
    # The layout of a mounted Kubernetes Secret: each key links into a
    # hidden, dated folder that the kubelet swaps when the Secret changes
    (tmp_path / "..2026_01_01").mkdir()
    (tmp_path / "..2026_01_01" / "FLASK_SECRET_KEY").write_text("from-a-file\n")
    try:
        (tmp_path / "..data").symlink_to("..2026_01_01")
        (tmp_path / "FLASK_SECRET_KEY").symlink_to("..data/FLASK_SECRET_KEY")
    except OSError as error:  # Windows lets only Developer Mode or admins make links
        pytest.skip(f"this machine makes no symbolic links: {error}")
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))

    assert create_app().config["SECRET_KEY"] == "from-a-file"


def test_a_secret_file_with_a_byte_order_mark_reads_as_its_text(monkeypatch, tmp_path):
    (tmp_path / "FLASK_SECRET_KEY").write_bytes(b"\xef\xbb\xbfdeadbeef\r\n")
    (tmp_path / "FLASK_TRUSTED_HOSTS").write_bytes(b'\xef\xbb\xbf["localhost"]\r\n')
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))

    config = create_app().config

    assert config["SECRET_KEY"] == "deadbeef"
    assert config["TRUSTED_HOSTS"] == ["localhost"]


def test_a_secret_file_that_is_not_text_is_named(monkeypatch, tmp_path):
    (tmp_path / "FLASK_SECRET_KEY").write_bytes(b"\xff\xfe")
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))

    with pytest.raises(ValueError, match="FLASK_SECRET_KEY is not UTF-8 text"):
        create_app()


def test_an_empty_secrets_folder_leaves_the_environment_as_it_is(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")

    assert create_app().config["SECRET_KEY"] == "from-the-environment"


def test_a_secrets_dir_that_is_not_a_folder_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path / "missing"))

    with pytest.raises(ValueError, match="SECRETS_DIR=.*missing.* is not a folder"):
        create_app()


@pytest.mark.parametrize("ending", ["", "/"])
def test_the_default_secrets_folder_may_be_missing_even_when_named(
    monkeypatch, tmp_path, ending
):
    # SECRETS_DIR=/run/secrets as .env.example shows it, with no secrets mounted
    missing = str(tmp_path / "run-secrets")
    monkeypatch.setattr(main, "DEFAULT_SECRETS_DIR", missing)
    monkeypatch.setenv("SECRETS_DIR", missing + ending)
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")

    assert create_app().config["SECRET_KEY"] == "from-the-environment"


def test_a_misspelt_log_level_is_named(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "Verbose")

    with pytest.raises(ValueError, match="LOG_LEVEL='Verbose': use debug, info"):
        create_app()


def test_app_logs_that_it_is_ready(caplog):
    with caplog.at_level(logging.INFO):
        create_app()

    assert any("is ready" in record.getMessage() for record in caplog.records)
