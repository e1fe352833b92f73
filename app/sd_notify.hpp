#pragma once
// systemd's readiness protocol (sd_notify(3)) without libsystemd: one
// datagram such as "READY=1" to the AF_UNIX socket named by $NOTIFY_SOCKET
// (a path, or "@name" for the abstract namespace). Without the variable
// (not started by systemd with Type=notify) it does nothing.
//
// Thread: any.

#include <string_view>

namespace tern::app {

// Sends `state` ("READY=1", "STOPPING=1", "RELOADING=1", ...); false when
// there is no $NOTIFY_SOCKET or the datagram could not be sent.
bool sd_notify(std::string_view state);

}  // namespace tern::app
