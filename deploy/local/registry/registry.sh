# Schema registry for the local stack: Apicurio Registry 3.0.9 from Maven Central
# (see pom.xml), speaking the Confluent Schema Registry REST API under
# /apis/ccompat/v7, on loopback, with its schemas in an H2 file database under
# the stack's state directory (so schema ids survive restarts, as Kafka's data does).
#
# Sourced by deploy/local/stack, which provides: $here $state (the install cache),
# $run (data, logs, pids) $registry_port,
# log, die, spawn. Settings (environment):
#   RFM_REGISTRY_HEAP      max heap                                   (default 256m)
#   RFM_REGISTRY_STORAGE   file (H2 file under $run/registry/data) or mem (default file)
#
# Run by hand (no stack):
#   bash deploy/local/registry/registry.sh install DIR        # once, cached
#   bash deploy/local/registry/registry.sh run DIR PORT       # foreground
# then the client URL is http://127.0.0.1:PORT/apis/ccompat/v7 and the
# health check http://127.0.0.1:PORT/health/ready

registry_version=3.0.9

# $1: install dir. Idempotent: does nothing when this pom's version is unpacked there.
registry_install_into() {
  local home="$1" pom stamp tmp
  pom="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pom.xml"
  stamp="$(sha256sum "$pom" | cut -c1-16)"
  [[ -f "$home/.installed-$stamp" ]] && return 0
  command -v mvn >/dev/null || { echo "Maven (mvn) is needed to fetch Apicurio Registry from Maven Central" >&2; return 1; }
  tmp="$home.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$home")"
  mvn -q -B -Dstyle.color=never -f "$pom" dependency:unpack@fetch -Dregistry.home="$tmp" || { rm -rf "$tmp"; return 1; }
  [[ -f "$tmp/apicurio-registry-app-$registry_version-runner.jar" ]] || { rm -rf "$tmp"; echo "runner jar missing after unpack" >&2; return 1; }
  touch "$tmp/.installed-$stamp"
  rm -rf "$home"
  mv "$tmp" "$home"
}

# $1: install dir, $2: port, $3: H2 data dir ('' = in-memory). Prints one argument per line.
registry_cmd() {
  local home="$1" port="$2" data="${3:-}"
  printf '%s\n' java -Xms32m -Xmx"${RFM_REGISTRY_HEAP:-256m}" -Xss512k \
    -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ActiveProcessorCount=2 -XX:ReservedCodeCacheSize=64m \
    -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port"
  [[ -n "$data" ]] && printf '%s\n' "-Dapicurio.datasource.url=jdbc:h2:file:$data/registry"
  printf '%s\n' -jar "$home/apicurio-registry-app-$registry_version-runner.jar"
}

registry_http_ok() { # $1: url
  if command -v curl >/dev/null; then
    curl -sf -o /dev/null --max-time 2 "$1"
  else
    local hostport="${1#http://}" path
    path="/${hostport#*/}" hostport="${hostport%%/*}"
    (exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}" &&
      printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport" >&3 &&
      head -n 1 <&3 | grep -q ' 200 ') 2>/dev/null
  fi
}

# --- the interface deploy/local/stack uses ----------------------------------

install_registry() {
  local home="$state/registry/apicurio-$registry_version"
  [[ -f "$home/.installed-$(sha256sum "$here/registry/pom.xml" | cut -c1-16)" ]] && return
  log "fetching Apicurio Registry $registry_version from Maven Central (once)"
  registry_install_into "$home" >"$state/logs/registry-install.log" 2>&1 ||
    die "mvn could not fetch Apicurio Registry; see $state/logs/registry-install.log"
}

registry_url() { echo "http://127.0.0.1:$registry_port/apis/ccompat/v7"; }

registry_healthy() { registry_http_ok "http://127.0.0.1:$registry_port/health/ready"; }

start_registry() {
  local data="" cmd
  if [[ "${RFM_REGISTRY_STORAGE:-file}" != mem ]]; then
    data="$run/registry/data"
    mkdir -p "$data"
  fi
  mapfile -t cmd < <(registry_cmd "$state/registry/apicurio-$registry_version" "$registry_port" "$data")
  spawn registry "${cmd[@]}"
}

# --- by hand -------------------------------------------------------------------

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
  install) registry_install_into "${2:?install DIR}" ;;
  run)
    mapfile -t cmd < <(registry_cmd "${2:?run DIR PORT [DATA_DIR]}" "${3:?run DIR PORT [DATA_DIR]}" "${4:-}")
    exec "${cmd[@]}"
    ;;
  *) sed -n '11,16p' "$0" | sed 's/^# \{0,1\}//' && exit 2 ;;
  esac
fi
