#!/usr/bin/env bash
# Installs the Debian 12 packages tessera needs to build and test, when run as
# root or with password-less sudo; otherwise prints the exact install line
# and fails. Usage: cmake/deps.sh [build|test]
#   build: compilers, CMake, MPI, parallel HDF5, FFTW, inih, jansson, PNG, TIFF
#   test:  the above plus what the test suite drives (Slurm, munge)
set -euo pipefail
what=${1:-build}

packages=(build-essential cmake pkg-config git
          libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
          libfftw3-dev libinih-dev libjansson-dev libpng-dev libtiff-dev)
if [ "$what" = test ]; then
  packages+=(slurm-wlm munge)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "tessera: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  echo "tessera: cannot install packages (not root, no password-less sudo). Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
