# Used by scripts/test: the browser tests (tests/ui/) drive Debian's chromium package. Install it when it is
# missing and we can (root with apt); otherwise those tests fail naming the one command that installs it.
# Never `playwright install`: its download needs a network the tests must not depend on.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test: installing chromium for the browser tests (apt-get install -y chromium)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2; } \
      || echo "scripts/test: could not install chromium; the browser tests will fail" >&2
  else
    echo "scripts/test: chromium is missing; the browser tests will fail until: sudo apt-get install -y chromium" >&2
  fi
fi
