import pytest
from django.db.utils import OperationalError

from school import health

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_component_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage", "search"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is False
    assert checks["broker"]["error"]
    assert checks["database"]["ok"] is True


def test_healthz_is_503_when_media_storage_is_not_a_writable_folder(client, settings, tmp_path):
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = str(not_a_folder)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_healthz_is_503_when_the_search_index_cannot_be_opened(client, settings, tmp_path):
    blocker = tmp_path / "search"
    blocker.write_text("")
    settings.SEARCH_INDEX_PATH = blocker / "index.sqlite3"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["search"]["ok"] is False


def test_healthz_is_503_when_elasticsearch_is_unreachable(client, settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["search"]["ok"] is False


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["error"] == "OperationalError: connection refused"


def test_healthz_is_not_cached(client):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]
