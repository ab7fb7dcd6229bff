"""Start-up refuses bad environment values and names the variable; production passes check --deploy."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/school"),
        ("DATABASE_URL", "postgres://u:p@db:notaport/school"),
        ("CELERY_BROKER_URL", "kafka://localhost"),
        ("REDIS_URL", "http://localhost:6379"),
        ("SEARCH_BACKEND", "solr"),
        ("MEDIA_STORAGE", "ftp"),
        ("LOGIN_FAILURE_LIMIT", "five"),
        ("LOGIN_RATE_LIMIT", "0"),
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("DEBUG", "perhaps"),
    ],
)
def test_invalid_environment_value_stops_start_up_naming_the_variable(tmp_path, variable, value):
    result = run_check(tmp_path, **{variable: value})
    assert result.returncode != 0
    assert f"环境变量 {variable} 无效" in result.stderr


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = run_check(tmp_path, DEPLOYMENT="production", ALLOWED_HOSTS="school.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_elasticsearch_backend_needs_a_url(tmp_path):
    result = run_check(tmp_path, SEARCH_BACKEND="elasticsearch")
    assert result.returncode != 0
    assert "ELASTICSEARCH_URL" in result.stderr


def test_s3_storage_needs_a_bucket(tmp_path):
    result = run_check(tmp_path, MEDIA_STORAGE="s3")
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in result.stderr


def test_production_values_pass_check_deploy_without_findings(tmp_path):
    result = run_check(
        tmp_path,
        "--deploy",
        "--fail-level",
        "WARNING",
        DEPLOYMENT="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="school.example.org",
        CERTIFICATE_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_certificate_signing_key(tmp_path):
    result = run_check(
        tmp_path,
        DEPLOYMENT="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="school.example.org",
    )
    assert result.returncode != 0
    assert "CERTIFICATE_SIGNING_KEY" in result.stderr


def test_a_malformed_certificate_signing_key_is_refused_by_name(tmp_path):
    result = run_check(tmp_path, CERTIFICATE_SIGNING_KEY="not-a-key")
    assert result.returncode != 0
    assert "CERTIFICATE_SIGNING_KEY" in result.stderr


def test_embedded_defaults_generate_and_keep_a_dev_secret_key(tmp_path):
    assert run_check(tmp_path).returncode == 0
    key = (tmp_path / "secret_key.txt").read_text()
    assert run_check(tmp_path).returncode == 0
    assert (tmp_path / "secret_key.txt").read_text() == key
    assert len(key) >= 50
