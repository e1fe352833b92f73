# 32-bit ARM Linux, hard float (armhf, ARMv7: Raspberry Pi 2, older
# gateways, a 32-bit Raspberry Pi OS), with Debian 12's
# g++-arm-linux-gnueabihf and the :armhf -dev packages. Unit tests run
# under qemu-arm. See cross/build.sh.
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cross/arm-linux-gnueabihf.cmake
set(TERN_CROSS_TRIPLE arm-linux-gnueabihf)
set(TERN_CROSS_PROCESSOR armv7l)
set(TERN_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
