#!/usr/bin/env bash
# Start the backing services the integration tests use (PostgreSQL, MariaDB, RabbitMQ)
# when they are installed here but not running, and wait until they accept connections.
# A service that is not installed is reported; the tests then skip (or fail under CI=true).
set -uo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # name port
    for _ in $(seq 1 60); do
        listening "$2" && return 0
        sleep 1
    done
    echo "$1 did not come up on 127.0.0.1:$2" >&2
    return 1
}

start() {  # name port binary command...
    local name=$1 port=$2 binary=$3
    shift 3
    listening "$port" && return 0
    if ! command -v "$binary" >/dev/null 2>&1 && [[ ! -x "$binary" ]]; then
        echo "$name is not installed; its tests will skip (or fail under CI=true)" >&2
        return 0
    fi
    echo "starting $name"
    "$@" >/dev/null 2>&1 || true
    wait_for "$name" "$port"
}

status=0
start PostgreSQL 5432 pg_ctlcluster \
    bash -c 'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start' || status=1
start MariaDB 3306 /usr/sbin/mariadbd \
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || status=1
start RabbitMQ 5672 rabbitmq-server rabbitmq-server -detached || status=1
exit $status
