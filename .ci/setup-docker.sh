#!/usr/bin/env bash
# Brings up a local Docker engine and the sandbox image for the sandbox integration tests.
#
# Idempotent and bounded: installs docker.io and busybox-static only when missing, starts
# dockerd only when `docker info` does not answer, builds the image only when it is absent.
# No image registry is reachable, so the image is a `docker import` of a rootfs made from the
# host's static busybox. The image name, rootfs layout and applet list must stay in step with
# runtime/sandbox/image.ts (SANDBOX_IMAGE, SANDBOX_APPLETS); test/runtime/sandbox/image.test.ts
# checks that they agree.
#
# The engine runs without a bridge and without iptables: every sandbox container uses network
# mode `none`, so the engine never needs to route traffic anywhere.
set -euo pipefail

IMAGE="symbi-sandbox:latest"
APPLETS="sh cat id ls head dd sleep echo grep mount mkdir rm touch wc env true false printf yes tr sed ifconfig ip"
LOG="${SYMBI_DOCKERD_LOG:-/var/log/symbi-dockerd.log}"
APT_TIMEOUT="${SYMBI_APT_TIMEOUT:-600}"
START_TIMEOUT="${SYMBI_DOCKERD_START_TIMEOUT:-60}"

say() { echo "setup-docker: $*"; }

# Prefer the engine's own client when the package installed one; a stray client elsewhere on
# PATH may be far newer than the engine, which works but muddles error messages.
docker_bin() { if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker || echo docker; fi; }

engine_up() { timeout 10 "$(docker_bin)" info >/dev/null 2>&1; }

need_install=()
command -v dockerd >/dev/null 2>&1 || need_install+=(docker.io)
# The image copies /bin/busybox alone, so it must be the statically linked build.
busybox_static() {
  [ -x /bin/busybox ] || return 1
  case "$(ldd /bin/busybox 2>&1 || true)" in *"not a dynamic executable"*|*"statically linked"*) return 0 ;; esac
  return 1
}
busybox_static || need_install+=(busybox-static)

if [ "${#need_install[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing ${need_install[*]} and not root; cannot install"
    exit 1
  fi
  say "installing ${need_install[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout "$APT_TIMEOUT" apt-get update -qq </dev/null
  timeout "$APT_TIMEOUT" apt-get install -y -qq --no-install-recommends "${need_install[@]}" </dev/null >/dev/null
fi

if engine_up; then
  say "engine already answering"
else
  command -v dockerd >/dev/null 2>&1 || { say "dockerd not found after install"; exit 1; }
  say "starting dockerd (log: $LOG)"
  mkdir -p "$(dirname "$LOG")"
  # setsid + nohup: the engine must outlive this script (CI runs the tests after it returns).
  setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false >>"$LOG" 2>&1 </dev/null &
  deadline=$((SECONDS + START_TIMEOUT))
  until engine_up; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "dockerd did not answer within ${START_TIMEOUT}s; last log lines:"
      tail -n 20 "$LOG" || true
      exit 1
    fi
    sleep 1
  done
  say "engine up"
fi

if timeout 30 "$(docker_bin)" image inspect "$IMAGE" >/dev/null 2>&1; then
  say "image $IMAGE present"
  exit 0
fi

say "building $IMAGE from /bin/busybox"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/work"
cp /bin/busybox "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
for a in $APPLETS; do ln -s busybox "$root/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
chmod 1777 "$root/tmp"
tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$work/rootfs.tar" .
timeout 120 "$(docker_bin)" import \
  --change 'ENV PATH=/bin' \
  --change 'USER 65534:65534' \
  --change 'WORKDIR /tmp' \
  --change 'LABEL org.symbi.sandbox=1' \
  "$work/rootfs.tar" "$IMAGE" >/dev/null
say "image $IMAGE built"
