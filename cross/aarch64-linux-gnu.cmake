# 64-bit ARM Linux (arm64: Raspberry Pi 3/4/5 with a 64-bit OS, most
# current gateways), with Debian 12's g++-aarch64-linux-gnu and the :arm64
# -dev packages. Unit tests run under qemu-aarch64. See cross/build.sh.
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cross/aarch64-linux-gnu.cmake
set(TERN_CROSS_TRIPLE aarch64-linux-gnu)
set(TERN_CROSS_PROCESSOR aarch64)
set(TERN_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
