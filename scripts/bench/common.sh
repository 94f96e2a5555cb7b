# Sourced by the benchmark scripts once they are at the repository root:
# the reference virtualenv in $VENV (scripts/reference/README.md; the
# development machines' /work/venv when $VENV has no python), MPI allowed
# to start as root, and a scratch directory $out removed on exit.
VENV=${VENV:-scripts/reference/.venv}
[ -x "$VENV/bin/python" ] || VENV=/work/venv
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
