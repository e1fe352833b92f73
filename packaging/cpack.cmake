# The Debian package (CPack's DEB generator), for the host or, in a cross
# build tree (cross/*.cmake), for arm64 / armhf:
#   cmake -S . -B build-deb -G Ninja -DTERN_PACKAGE=ON -DCMAKE_BUILD_TYPE=MinSizeRel -DTERN_SMALL=ON
#   cmake --build build-deb --target tern && (cd build-deb && cpack -G DEB)
# Contents: /usr/bin/tern (stripped), /etc/tern/tern.conf (a conffile),
# the systemd unit, docs; postinst creates the `tern` system user and
# /var/lib/tern. Tested by packaging/test-deb.sh.

install(FILES ${CMAKE_CURRENT_LIST_DIR}/tern.conf DESTINATION /etc/tern)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/tern.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/cross/low-memory.conf
        DESTINATION share/doc/tern)

# Debian's name of the target architecture (a cross build's, not the host's).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(tern_deb_arch arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  set(tern_deb_arch armhf)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(tern_deb_arch amd64)
else()
  execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE tern_deb_arch
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tern)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "tern maintainers <tern@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MQTT broker for edge gateways")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "MQTT broker for edge gateways\n MQTT 3.1, 3.1.1 and 5.0, mosquitto.conf syntax, durable\n sessions and messages in SQLite.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${tern_deb_arch})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Shared libraries the binary links, as Debian 12 names them; adduser for
# postinst. (dpkg-shlibdeps is not used: it cannot read a foreign
# architecture's binaries without that architecture's dpkg database.)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.36), libstdc++6 (>= 12), libgcc-s1, libssl3 (>= 3.0.0), libsqlite3-0 (>= 3.40), libspdlog1.10, libfmt9, libmimalloc2.0, adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/conffiles ${CMAKE_CURRENT_LIST_DIR}/postinst
    ${CMAKE_CURRENT_LIST_DIR}/prerm ${CMAKE_CURRENT_LIST_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
