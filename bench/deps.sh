#!/usr/bin/env bash
# Installs what `make bench` needs on Debian 12 beyond the build and test
# dependencies (scripts/deps.sh, which also brings postgresql-15 and its
# psql: the PostgreSQL runs' server): wrk to load the servers, nginx as the
# HTTP baseline, and Kannel (bearerbox, smsbox, and fakesmsc from
# kannel-extras) as the SMS-gateway baseline. Only what is missing is
# installed, so a second run costs nothing. Needs root or sudo.
#
# The packages' maintainer scripts would start nginx on port 80 and a
# system-wide Kannel; the benchmark starts its own copies on free loopback
# ports, so the install runs with a policy-rc.d that forbids starting
# services (unless the machine already has one).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/../scripts/deps.sh"

# wrk; nginx; bearerbox and smsbox; fakesmsc (/usr/lib/kannel/test)
packages=(wrk nginx kannel kannel-extras)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bench/deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi

policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" -eq 1 ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT

echo "bench/deps.sh: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
