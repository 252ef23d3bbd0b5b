#!/usr/bin/env bash
# Installs the system packages Slipway needs on Debian 12, idempotently:
#   - from Debian 12: redis-server, postgresql, docker-registry (Distribution v2.8), git,
#     tini, iptables + iproute2 (the walled-off build bridge), openssl, busybox-static (test base images),
#     chromium (the dashboard's browser tests drive it with playwright-core; no browser download),
#     debootstrap (Debian base images for the image test and the C benchmark)
#   - from Debian 13 (private apt list, the system stays on Debian 12): containerd,
#     docker.io (Engine 26 with the containerd image store) and docker-buildx,
#     because Debian 12's docker.io (20.10) has no buildx and so no registry cache mode=max.
# Downloaded Debian 13 .debs are kept in $SLIPWAY_CACHE/debs, named by version, so a
# reinstall reuses them and a newer version is never shadowed by a stale file.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CACHE_DIR="${SLIPWAY_CACHE:-/var/cache/slipway}"

have_all() { for b in "$@"; do command -v "$b" >/dev/null 2>&1 || return 1; done; }
pg_bin_ok() { [ -x /usr/lib/postgresql/15/bin/initdb ] && [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; }
# Tests copy /bin/busybox into their base image, so it must be the static build (ldd fails on it).
busybox_static_ok() { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; }
# Debian 13's docker.io no longer ships the CLI (docker-cli, only recommended); a CLI that
# belongs to Debian 12's docker.io 20.10 disappears when docker.io is upgraded.
docker_cli_needed() {
  local cli; cli=$(command -v docker 2>/dev/null) || return 0
  dpkg -S "$(readlink -f "$cli")" 2>/dev/null | grep -q '^docker.io:'
}
docker_ok() {
  command -v docker >/dev/null 2>&1 || return 1
  command -v dockerd >/dev/null 2>&1 || return 1
  local v; v=$(dockerd --version 2>/dev/null | sed -E 's/.*version ([0-9]+).*/\1/')
  [ "${v:-0}" -ge 26 ] && [ -x /usr/libexec/docker/cli-plugins/docker-buildx ]
}

# apt-get install without letting package scripts start services (we start our own
# instances): policy-rc.d exiting 101 means "action not allowed".
apt_install() { # WHAT PACKAGES_OR_DEBS...
  local what=$1; shift
  local prc=/usr/sbin/policy-rc.d created=0 rc=0
  if [ ! -e $prc ]; then
    printf '#!/bin/sh\nexit 101\n' >$prc; chmod +x $prc; created=1
    # never leave it behind (it would block every service start on the machine)
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || rc=$?
  if [ $created = 1 ]; then rm -f $prc; trap - EXIT; fi
  [ $rc = 0 ] || die "installing $what failed (apt-get exit code $rc)"
}

# The packages enable their own system services at boot (redis 6379, postgresql 5432, a
# registry on :5000 — the farm's port —, docker, containerd). Slipway runs its own instances,
# so switch the boot-time ones off for what this script installed.
disable_boot_services() {
  local unit
  for unit in "$@"; do
    if command -v systemctl >/dev/null 2>&1; then systemctl disable "$unit" >/dev/null 2>&1 || true; fi
    if command -v update-rc.d >/dev/null 2>&1 && [ -e "/etc/init.d/$unit" ]; then update-rc.d -f "$unit" disable >/dev/null 2>&1 || true; fi
  done
}

APT_UPDATED=0
apt_update_once() {
  [ "$APT_UPDATED" = 1 ] && return 0
  say "apt-get update (Debian 12 lists)"
  apt-get update -qq || die "apt-get update failed: is the Debian mirror reachable?"
  APT_UPDATED=1
}

install_bookworm() {
  local missing=()
  have_all redis-server || missing+=(redis-server)
  pg_bin_ok || missing+=(postgresql)
  have_all docker-registry || missing+=(docker-registry)
  have_all git || missing+=(git)
  have_all tini || missing+=(tini)
  have_all iptables || missing+=(iptables)
  have_all ip || missing+=(iproute2)
  have_all openssl || missing+=(openssl)
  busybox_static_ok || missing+=(busybox-static)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # Tests and benchmarks make Debian base images with it (Slipway's own image, the C workload).
  have_all debootstrap || missing+=(debootstrap)
  if [ ${#missing[@]} -eq 0 ]; then say "Debian 12 packages present"; return 0; fi
  apt_update_once
  say "installing from Debian 12: ${missing[*]}"
  apt_install "${missing[*]}" "${missing[@]}"
  local units=() p
  for p in "${missing[@]}"; do
    case $p in redis-server) units+=(redis-server) ;; postgresql) units+=(postgresql) ;; docker-registry) units+=(docker-registry) ;; esac
  done
  [ ${#units[@]} -eq 0 ] || disable_boot_services "${units[@]}"
}

install_trixie_docker() {
  if docker_ok; then say "Docker Engine $(dockerd --version | awk '{print $3}' | tr -d ,) + buildx present"; return 0; fi
  [ -f /etc/apt/sources.list.d/debian.sources ] || die "no /etc/apt/sources.list.d/debian.sources: cannot find the Debian mirror"
  local mirror; mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  [ -n "$mirror" ] || die "could not read the Debian mirror from /etc/apt/sources.list.d/debian.sources"
  local d="$CACHE_DIR/apt-trixie" debs="$CACHE_DIR/debs"
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$debs"
  # apt downloads as the _apt user where it can write (else it warns and runs unsandboxed).
  id _apt >/dev/null 2>&1 && chown _apt:root "$debs" "$d/cache/archives/partial" 2>/dev/null || true
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$d/sources.list"
  local APT=(-o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache")
  say "apt-get update (private Debian 13 list for Docker Engine 26 + buildx)"
  apt-get "${APT[@]}" update -qq || die "apt-get update of the Debian 13 list failed"
  local pkgs=(containerd docker.io docker-buildx) files=() p v f
  docker_cli_needed && pkgs+=(docker-cli)
  for p in "${pkgs[@]}"; do
    v=$(apt-cache "${APT[@]}" show --no-all-versions "$p" 2>/dev/null | awk '/^Version:/{print $2; exit}' || true)
    [ -n "$v" ] || die "Debian 13 has no package $p"
    f=$(ls "$debs/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
    if [ -z "$f" ]; then
      say "downloading $p $v"
      (cd "$debs" && apt-get "${APT[@]}" download "$p=$v" >/dev/null) || die "download of $p $v failed"
      f=$(ls "$debs/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
      [ -n "$f" ] || die "apt-get download $p=$v left no .deb in $debs"
    else
      say "using cached $(basename "$f")"
    fi
    files+=("$f")
  done
  apt_update_once
  say "installing ${pkgs[*]} from Debian 13"
  apt_install "Docker from Debian 13" "${files[@]}"
  disable_boot_services docker docker.socket containerd
  docker_ok || die "Docker Engine 26 + buildx still missing after install"
}

main() {
  if have_all redis-server docker-registry git tini iptables ip openssl debootstrap && [ -x /usr/bin/chromium ] && busybox_static_ok && pg_bin_ok && docker_ok; then
    say "system packages present"; return 0
  fi
  require_root
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: Slipway's set-up supports Debian 12 (bookworm) only"
  install_bookworm
  install_trixie_docker
}
main "$@"
