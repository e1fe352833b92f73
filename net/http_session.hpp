#pragma once
// One HTTP connection of an http_listener: reads requests (keep-alive),
// answers each from the http_service, or turns into a server-sent event
// stream. Beast stays inside http_session.cpp.
//
// Thread: its worker only.

#include <atomic>
#include <memory>

#include "net/connection.hpp"
#include "net/http_service.hpp"

namespace tern::net {

// Starts serving `socket`; the session keeps itself alive through its
// pending operations. `stopping` turns true when the listener stops.
void start_http_session(accepted_socket socket, std::shared_ptr<const http_service> service,
                        std::shared_ptr<const std::atomic<bool>> stopping);

}  // namespace tern::net
