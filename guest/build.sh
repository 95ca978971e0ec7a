#!/usr/bin/env bash
# Builds the peerlinux guest from Debian packages and writes public/images/.
# Run as root on Debian 12: `npm run guest`. Users never need this; the outputs are committed.
set -euo pipefail
GUEST_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$GUEST_DIR")"
BUILD="${PEERLINUX_GUEST_BUILD:-$GUEST_DIR/build}"
OUT="$ROOT/public/images"
JOBS="$(nproc)"
# gcc-multilib conflicts with the i686 cross compiler that musl-dev:i386 needs, so use the cross
# compiler for the kernel too.
KMAKE=(make ARCH=i386 CROSS_COMPILE=i686-linux-gnu-)

install_packages() {
  local pkgs=(linux-source-6.1 gcc-i686-linux-gnu musl-dev:i386 busybox-static:i386
              seabios bc bison flex libelf-dev cpio xz-utils lz4 zstd make gcc)
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

unpack_kernel_source() {
  local src="$BUILD/linux"
  if [ ! -f "$src/Makefile" ]; then
    mkdir -p "$BUILD"
    rm -rf "$BUILD"/linux-source-6.1 "$src"
    tar -C "$BUILD" -xJf /usr/src/linux-source-6.1.tar.xz
    mv "$BUILD/linux-source-6.1" "$src"
  fi
}

build_kernel() {
  local src="$BUILD/linux"
  unpack_kernel_source
  "${KMAKE[@]}" -C "$src" -s tinyconfig
  "$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$GUEST_DIR/kernel.config" >/dev/null
  "${KMAKE[@]}" -C "$src" -s olddefconfig
  # Fail loudly if a symbol we asked for did not survive olddefconfig (a missing dependency).
  local missing=0
  while IFS= read -r line; do
    case "$line" in CONFIG_*=*) grep -qx "$line" "$src/.config" || { echo "kernel config lost: $line" >&2; missing=1; } ;; esac
  done < "$GUEST_DIR/kernel.config"
  [ "$missing" = 0 ]
  KBUILD_BUILD_TIMESTAMP='2026-01-01' KBUILD_BUILD_USER=peerlinux KBUILD_BUILD_HOST=peerlinux \
    "${KMAKE[@]}" -C "$src" -s -j"$JOBS" bzImage
  "${KMAKE[@]}" -C "$src" -s usr/gen_init_cpio >/dev/null 2>&1 || true
}

build_tapper() {
  mkdir -p "$BUILD"
  # musl keeps tapper ~60 KB; glibc's static build is 800 KB and slows the initramfs unpack.
  i386-linux-musl-gcc -static -Os -Wall -Wextra -Werror -o "$BUILD/tapper" "$GUEST_DIR/tapper.c"
  strip "$BUILD/tapper"
}

build_initramfs() {
  local list="$BUILD/initramfs.list"
  # Without a kernel build, compile the kernel's cpio writer on its own (one C file, no config).
  if [ ! -x "$BUILD/linux/usr/gen_init_cpio" ]; then
    unpack_kernel_source
    gcc -O2 -o "$BUILD/linux/usr/gen_init_cpio" "$BUILD/linux/usr/gen_init_cpio.c"
  fi
  sed -e "s|@GUEST@|$GUEST_DIR|g" -e "s|@BUILD@|$BUILD|g" "$GUEST_DIR/initramfs.list" > "$list"
  for applet in $(/bin/busybox --list); do
    case "$applet" in busybox|init|linuxrc) continue ;; esac
    echo "slink /bin/$applet busybox 0777 0 0" >> "$list"
  done
  # The kernel only unpacks LZ4's legacy frame format (-l).
  "$BUILD/linux/usr/gen_init_cpio" "$list" | lz4 -l -9 -q > "$BUILD/initramfs.cpio.lz4"
}

write_outputs() {
  mkdir -p "$OUT"
  cp "$BUILD/linux/arch/x86/boot/bzImage" "$OUT/bzImage"
  rm -f "$OUT/initramfs.cpio.gz"
  cp "$BUILD/initramfs.cpio.lz4" "$OUT/initramfs.cpio.lz4"
  cp /usr/share/seabios/bios.bin "$OUT/bios.bin"
  cp /usr/share/seabios/vgabios-stdvga.bin "$OUT/vgabios-stdvga.bin"
  write_manifest
}

# The initramfs alone, for a change under rootfs/ that leaves the kernel as committed.
install_initramfs() {
  mkdir -p "$OUT"
  cp "$BUILD/initramfs.cpio.lz4" "$OUT/initramfs.cpio.lz4"
  write_manifest
}

build_snapshot() {
  rm -f "$OUT/template.state.zst"
  write_manifest
  (cd "$ROOT" && npx tsx guest/snapshot.ts)
  write_manifest
}

write_manifest() {
  node "$GUEST_DIR/manifest.mjs" "$OUT" \
    "linux-source-6.1=$(dpkg-query -W -f='${Version}' linux-source-6.1)" \
    "busybox-static=$(dpkg-query -W -f='${Version}' busybox-static:i386)" \
    "seabios=$(dpkg-query -W -f='${Version}' seabios)" \
    "musl-dev=$(dpkg-query -W -f='${Version}' musl-dev:i386)" \
    "lz4=$(dpkg-query -W -f='${Version}' lz4)"
}

install_packages
case "${1:-all}" in
  kernel) build_kernel ;;
  tapper) build_tapper ;;
  initramfs) build_tapper; build_initramfs; install_initramfs ;;
  all) build_kernel; build_tapper; build_initramfs; write_outputs; build_snapshot ;;
  outputs) write_outputs ;;
  snapshot) build_snapshot ;;
  *) echo "usage: build.sh [all|kernel|tapper|initramfs|outputs|snapshot]" >&2; exit 2 ;;
esac
