{%- set level = cookiecutter | level -%}
import pytest

from {{ cookiecutter.package_name }}.main import create_app


@pytest.fixture
def client():
    return create_app().test_client()


def test_index_names_service_and_level(client):
    response = client.get("/")

    assert response.status_code == 200
    assert response.json["service"] == {{ cookiecutter.project_slug | py_str }}
    assert response.json["level"] == {{ cookiecutter.docker_level | py_str }}


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
