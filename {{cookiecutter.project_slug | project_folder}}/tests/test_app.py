{%- set level = cookiecutter | level -%}
import logging

import pytest

from {{ cookiecutter.package_name }}.main import create_app


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

    assert int(major) >= 10
    assert int(minor) >= 0
{%- endif %}


def test_unknown_path_is_404(client):
    assert client.get("/no-such-page").status_code == 404


def test_settings_come_from_flask_prefixed_environment_variables(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("FLASK_MAX_CONTENT_LENGTH", "1024")

    config = create_app().config

    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["MAX_CONTENT_LENGTH"] == 1024


def test_app_logs_that_it_is_ready(caplog):
    with caplog.at_level(logging.INFO):
        create_app()

    assert any("is ready" in record.getMessage() for record in caplog.records)
