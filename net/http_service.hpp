#pragma once
// What an HTTP listener serves, as plain values and callbacks: app/ decides
// the routes (/metrics, /healthz, the status page), net/ only speaks HTTP.
// No Beast type appears here, so app/ builds it without Beast headers.
//
// Thread: the callbacks run on the worker of the connection that asks,
// several at once; they must be safe to call from any worker.

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tern::net {

struct http_request {
  std::string method;         // "GET", ...
  std::string target;         // path and query, as sent
  std::string authorization;  // the Authorization header, empty if none
  std::string remote;         // "address:port" of the client
};

struct http_reply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

struct http_service {
  // Asked before any route; false answers 401 with a Basic challenge for
  // `realm`. Empty: every request is allowed.
  std::function<bool(const http_request&)> authorize;
  std::string realm = "tern";
  // Answers every request that is not the event stream.
  std::function<http_reply(const http_request&)> handle;
  // Server-sent events: a GET of `events_path` (path only, no query) is
  // answered with a text/event-stream carrying next_event()'s text as one
  // `data:` event every `event_period`, until the client goes away or the
  // listener stops. Empty path: no stream.
  std::string events_path;
  std::function<std::string()> next_event;
  std::chrono::milliseconds event_period{1000};
};

}  // namespace tern::net
