# Sourced by the install scripts: installs an npm folder from its committed lockfile, idempotently.
# npm_install_locked NAME DIR NODE_HINT runs `npm ci` in DIR only when node_modules is missing or older
# than package-lock.json (npm rewrites node_modules/.package-lock.json on every install, so its age tells
# whether the installed tree matches the lockfile). Works offline when the npm cache holds the packages.
npm_install_locked() {
  local name=$1 dir=$2 hint=$3
  local lockfile="$dir/package-lock.json" stamp="$dir/node_modules/.package-lock.json"

  for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "$name: '$tool' is not on PATH; $hint" >&2
      exit 1
    fi
  done

  if [[ ! -f "$lockfile" ]]; then
    echo "$name: missing $lockfile" >&2
    exit 1
  fi

  if [[ -f "$stamp" && ! "$lockfile" -nt "$stamp" ]]; then
    echo "$name: up to date ($dir/node_modules)"
    return 0
  fi

  echo "$name: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --prefer-offline)
  touch "$stamp"
}
