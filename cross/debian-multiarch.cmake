# Shared part of the toolchain files beside it: cross-compiling with a
# Debian 12 cross compiler (g++-TRIPLE) against Debian's multiarch -dev
# packages (libssl-dev:ARCH, ...), which live in the host's own /usr:
# headers in /usr/include[/TRIPLE], libraries and CMake package files in
# /usr/lib/TRIPLE. So there is no sysroot; CMAKE_LIBRARY_ARCHITECTURE is
# what makes find_package look in /usr/lib/TRIPLE and never in the host's
# /usr/lib/x86_64-linux-gnu.
#
# The including file sets TERN_CROSS_TRIPLE, TERN_CROSS_PROCESSOR and
# TERN_CROSS_QEMU (the qemu-user binary that runs the target's programs).

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${TERN_CROSS_PROCESSOR})
set(CMAKE_LIBRARY_ARCHITECTURE ${TERN_CROSS_TRIPLE})

set(CMAKE_C_COMPILER ${TERN_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${TERN_CROSS_TRIPLE}-g++)

# Tools (python3, the compilers' helpers) are the host's; libraries,
# headers and package files only the target's (the cross compiler's own
# directory first, then the multiarch ones under /usr).
set(CMAKE_FIND_ROOT_PATH /usr/${TERN_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# FindOpenSSL asks pkg-config first; the host's would answer with
# x86_64 paths, so it is pointed at the target's .pc files.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${TERN_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
unset(ENV{PKG_CONFIG_PATH})

# CTest (and gtest_discover_tests at build time) run the target's programs
# under qemu-user; binfmt_misc is not needed. No -L prefix: the target's
# dynamic loader and libc come from the multiarch libc6:ARCH (pulled in by
# the -dev packages) at the paths a device has them, and so match the
# libraries built against them. (With `-L /usr/TRIPLE`, the cross
# compiler's older libc copy, 2.36-8cross1 against 2.36-9+deb12u14, was
# loaded instead and the store tests hung in their first thread start.)
find_program(TERN_CROSS_QEMU_PATH ${TERN_CROSS_QEMU})
if(TERN_CROSS_QEMU_PATH)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${TERN_CROSS_QEMU_PATH})
endif()
