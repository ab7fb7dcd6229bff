#!/usr/bin/env bash
# The production stack on this one machine, loopback only: gunicorn (several workers), PostgreSQL with
# Django's connection pool, Redis for cache, sessions and the broker, Celery workers for `default` and
# `media` plus beat, and a moto S3 server for media. The template for a real multi-host deployment
# (docs/deployment.md); also what bench/exam_storm.py --url drives.
#
#   scripts/prod-local.sh start | stop | status        (make prod-local / make prod-local-stop)
#
# State (settings, logs, pid files, Redis and moto data) lives in var/prod-local. PostgreSQL is the
# system cluster: its database `school_local` is created once and kept between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE=${PROD_LOCAL_DIR:-$ROOT/var/prod-local}
WEB_PORT=${PROD_LOCAL_WEB_PORT:-8100}
REDIS_PORT=${PROD_LOCAL_REDIS_PORT:-6390}
S3_PORT=${PROD_LOCAL_S3_PORT:-9390}
WEB_WORKERS=${PROD_LOCAL_WEB_WORKERS:-4}
DB_NAME=${PROD_LOCAL_DB:-school_local}
PY=$ROOT/.venv/bin/python
LOG=$STATE/log

say() { echo "==> $*"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_for() {  # wait_for <what> <command...>: up to 60 s
    local what=$1; shift
    for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
    echo "!! $what did not come up; see $LOG" >&2
    return 1
}

system_packages() {
    local missing=()
    command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    if [ ${#missing[@]} -gt 0 ]; then
        [ "$(id -u)" = "0" ] || { echo "!! install as root: ${missing[*]}" >&2; exit 1; }
        say "apt-get install ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

postgres() {
    local version
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    if ! pg_lsclusters -h | grep -q online; then
        pg_lsclusters -h | grep -q . || pg_createcluster "$version" main
        pg_ctlcluster "$version" main start
    fi
    wait_for PostgreSQL su postgres -c "pg_isready -q"
    su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'school') THEN
    CREATE ROLE school LOGIN CREATEDB PASSWORD 'school';
  END IF;
END $$;
SQL
    su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname='$DB_NAME'\"" | grep -q 1 \
        || su postgres -c "createdb -O school $DB_NAME"
}

settings_file() {
    [ -f "$STATE/env" ] && return 0
    say "writing $STATE/env (secrets generated once)"
    "$PY" - "$STATE/env" <<PY
import base64, secrets, sys
values = {
    "DEPLOYMENT": "production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "CERTIFICATE_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SITE_URL": "http://127.0.0.1:$WEB_PORT",
    # Plain HTTP on loopback; behind a real TLS proxy these three stay at their secure defaults.
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "DATABASE_URL": "postgres://school:school@127.0.0.1:5432/$DB_NAME",
    "DB_POOL_SIZE": "4",
    "REDIS_URL": "redis://127.0.0.1:$REDIS_PORT/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:$REDIS_PORT/2",
    "MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "school-local",
    "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:$S3_PORT",
    "AWS_S3_REGION_NAME": "us-east-1",
    "AWS_ACCESS_KEY_ID": "prod-local",
    "AWS_SECRET_ACCESS_KEY": "prod-local",
    "VAR_DIR": "$STATE/var",
    "LOG_FORMAT": "json",
}
with open(sys.argv[1], "w") as handle:
    handle.writelines(f"{key}={value}\n" for key, value in values.items())
PY
    chmod 600 "$STATE/env"
}

start() {
    mkdir -p "$STATE" "$LOG"
    scripts/bootstrap.sh test
    system_packages
    say "PostgreSQL (database $DB_NAME)"
    postgres
    say "Redis on 127.0.0.1:$REDIS_PORT"
    if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$STATE/redis.pid" \
            --dir "$STATE" --save "" --appendonly no --logfile "$LOG/redis.log"
    fi
    wait_for Redis redis-cli -p "$REDIS_PORT" ping
    say "S3 (moto) on 127.0.0.1:$S3_PORT"
    if ! alive "$STATE/moto.pid"; then
        nohup "$PY" -m moto.server -H 127.0.0.1 -p "$S3_PORT" >"$LOG/s3.log" 2>&1 &
        echo $! >"$STATE/moto.pid"
    fi
    wait_for S3 curl -fsS "http://127.0.0.1:$S3_PORT/moto-api/"
    settings_file
    set -a; source "$STATE/env"; set +a
    "$PY" - <<'PY'
import os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_S3_ENDPOINT_URL"], region_name="us-east-1",
                  aws_access_key_id="prod-local", aws_secret_access_key="prod-local")
if os.environ["AWS_STORAGE_BUCKET_NAME"] not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
    s3.create_bucket(Bucket=os.environ["AWS_STORAGE_BUCKET_NAME"])
PY
    say "migrate, static files, search index"
    "$PY" manage.py migrate --no-input -v 0
    "$PY" manage.py collectstatic --no-input -v 0
    if [ "${DEMO:-0}" = "1" ]; then "$PY" manage.py load_demo; fi
    "$PY" manage.py search_reindex --no-progress >/dev/null
    say "web: gunicorn, $WEB_WORKERS workers on 127.0.0.1:$WEB_PORT"
    if ! alive "$STATE/web.pid"; then
        .venv/bin/gunicorn school.wsgi --bind "127.0.0.1:$WEB_PORT" --workers "$WEB_WORKERS" --threads 4 \
            --timeout 120 --daemon --pid "$STATE/web.pid" \
            --access-logfile "$LOG/access.log" --error-logfile "$LOG/web.log"
    fi
    say "Celery: default and media workers, beat"
    # In the foreground of a background shell: their logs (settings.LOGGING, JSON) go to stderr.
    for queue in default media; do
        concurrency=2; [ "$queue" = media ] && concurrency=1
        alive "$STATE/worker-$queue.pid" && continue
        nohup .venv/bin/celery -A school worker -Q "$queue" -n "$queue@%h" --concurrency "$concurrency" \
            --prefetch-multiplier 1 >"$LOG/worker-$queue.log" 2>&1 &
        echo $! >"$STATE/worker-$queue.pid"
    done
    if ! alive "$STATE/beat.pid"; then
        nohup .venv/bin/celery -A school beat --schedule "$STATE/celerybeat-schedule" >"$LOG/beat.log" 2>&1 &
        echo $! >"$STATE/beat.pid"
    fi
    wait_for "the web server" curl -fsS "http://127.0.0.1:$WEB_PORT/healthz"
    "$PY" manage.py worker_ping --queue default --timeout 60
    "$PY" manage.py worker_ping --queue media --timeout 60
    echo ""
    echo "  production stack up at http://127.0.0.1:$WEB_PORT/  (metrics: /metrics, logs: $LOG)"
    echo "  settings: $STATE/env   stop: scripts/prod-local.sh stop"
}

stop() {
    for name in web beat worker-default worker-media moto; do
        pidfile="$STATE/$name.pid"
        if alive "$pidfile"; then
            say "stopping $name"
            kill -TERM "$(cat "$pidfile")"
            for _ in $(seq 1 60); do alive "$pidfile" || break; sleep 0.5; done
            alive "$pidfile" && kill -KILL "$(cat "$pidfile")"
        fi
        rm -f "$pidfile"
    done
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        say "stopping Redis"
        redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    fi
    echo "PostgreSQL keeps running (the system cluster; database $DB_NAME kept)."
}

status() {
    local failed=0
    for name in web beat worker-default worker-media moto; do
        if alive "$STATE/$name.pid"; then echo "  $name: running (pid $(cat "$STATE/$name.pid"))"
        else echo "  $name: stopped"; failed=1; fi
    done
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && echo "  redis: running" || { echo "  redis: stopped"; failed=1; }
    curl -fsS "http://127.0.0.1:$WEB_PORT/healthz" && echo "" || failed=1
    return $failed
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
