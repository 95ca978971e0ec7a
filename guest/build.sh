#!/usr/bin/env bash
# Builds the peerlinux guest from Debian packages and writes public/images/.
# Run as root on Debian 12: `npm run guest`. Users never need this; the outputs are committed.
set -euo pipefail
GUEST_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$GUEST_DIR")"
BUILD="${PEERLINUX_GUEST_BUILD:-$GUEST_DIR/build}"
OUT="$ROOT/public/images"
JOBS="$(nproc)"

install_packages() {
  local pkgs=(linux-source-6.1 gcc-multilib libc6-dev-i386 busybox-static:i386 seabios
              bc bison flex libelf-dev cpio xz-utils make gcc)
  local missing=()
  dpkg --print-foreign-architectures | grep -qx i386 || dpkg --add-architecture i386
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

build_kernel() {
  local src="$BUILD/linux"
  if [ ! -f "$src/Makefile" ]; then
    mkdir -p "$BUILD"
    rm -rf "$BUILD"/linux-source-6.1 "$src"
    tar -C "$BUILD" -xJf /usr/src/linux-source-6.1.tar.xz
    mv "$BUILD/linux-source-6.1" "$src"
  fi
  make -C "$src" -s ARCH=i386 tinyconfig
  "$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$GUEST_DIR/kernel.config" >/dev/null
  make -C "$src" -s ARCH=i386 olddefconfig
  # Fail loudly if a symbol we asked for did not survive olddefconfig (a missing dependency).
  local missing=0
  while IFS= read -r line; do
    case "$line" in CONFIG_*=*) grep -qx "$line" "$src/.config" || { echo "kernel config lost: $line" >&2; missing=1; } ;; esac
  done < "$GUEST_DIR/kernel.config"
  [ "$missing" = 0 ]
  KBUILD_BUILD_TIMESTAMP='2026-01-01' KBUILD_BUILD_USER=peerlinux KBUILD_BUILD_HOST=peerlinux \
    make -C "$src" -s ARCH=i386 -j"$JOBS" bzImage
  make -C "$src" -s ARCH=i386 usr/gen_init_cpio >/dev/null 2>&1 || true
}

build_tapper() {
  mkdir -p "$BUILD"
  gcc -m32 -static -Os -Wall -Wextra -Werror -o "$BUILD/tapper" "$GUEST_DIR/tapper.c"
  strip "$BUILD/tapper"
}

build_initramfs() {
  local list="$BUILD/initramfs.list"
  sed -e "s|@GUEST@|$GUEST_DIR|g" -e "s|@BUILD@|$BUILD|g" "$GUEST_DIR/initramfs.list" > "$list"
  for applet in $(/bin/busybox --list); do
    case "$applet" in busybox|init|linuxrc) continue ;; esac
    echo "slink /bin/$applet busybox 0777 0 0" >> "$list"
  done
  "$BUILD/linux/usr/gen_init_cpio" "$list" | gzip -n -9 > "$BUILD/initramfs.cpio.gz"
}

write_outputs() {
  mkdir -p "$OUT"
  cp "$BUILD/linux/arch/x86/boot/bzImage" "$OUT/bzImage"
  cp "$BUILD/initramfs.cpio.gz" "$OUT/initramfs.cpio.gz"
  cp /usr/share/seabios/bios.bin "$OUT/bios.bin"
  cp /usr/share/seabios/vgabios-stdvga.bin "$OUT/vgabios-stdvga.bin"
  node "$GUEST_DIR/manifest.mjs" "$OUT" \
    "linux-source-6.1=$(dpkg-query -W -f='${Version}' linux-source-6.1)" \
    "busybox-static=$(dpkg-query -W -f='${Version}' busybox-static:i386)" \
    "seabios=$(dpkg-query -W -f='${Version}' seabios)" \
    "libc6-dev-i386=$(dpkg-query -W -f='${Version}' libc6-dev-i386)"
}

install_packages
case "${1:-all}" in
  kernel) build_kernel ;;
  tapper) build_tapper ;;
  initramfs) build_tapper; build_initramfs ;;
  all) build_kernel; build_tapper; build_initramfs; write_outputs ;;
  outputs) write_outputs ;;
  *) echo "usage: build.sh [all|kernel|tapper|initramfs|outputs]" >&2; exit 2 ;;
esac
